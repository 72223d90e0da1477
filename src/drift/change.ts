import { createHash } from 'node:crypto';
import type { DriftedObject } from '../core/types.ts';
import type { DriftRecord, HealSuspension } from '../ports/state.ts';

/**
 * What a drift notification shows, reduced to a fingerprint, so that people are told when the
 * drift changes and never on every run: the check time, ids and heal bookkeeping do not count;
 * the drifted objects, fields, values, managers and a heal suspension do. The values hashed are
 * the report's, already masked for Secrets.
 */

export const syncedFingerprint = 'synced';

const byKey = (o: DriftedObject): string => `${o.ref.group}/${o.ref.kind}/${o.ref.namespace ?? ''}/${o.ref.name}`;

/** undefined for Unknown: the check could not tell, so what people see stays as it was. */
export function driftFingerprint(record: DriftRecord, suspension?: HealSuspension): string | undefined {
  if (record.status === 'Unknown') return undefined;
  if (record.status === 'Synced') return syncedFingerprint;
  const objects = [...record.objects].sort((a, b) => byKey(a).localeCompare(byKey(b))).map((o) => ({
    ref: byKey(o), state: o.state,
    fields: [...o.fields].sort((a, b) => a.path.localeCompare(b.path)).map((f) => [f.path, f.desired ?? null, f.live ?? null, f.manager ?? null]),
  }));
  const shown = { revision: record.revision?.sha ?? null, pending: record.pending ?? null, objects, suspended: suspension ? [suspension.managers, suspension.fields] : null };
  return createHash('sha256').update(JSON.stringify(shown)).digest('hex');
}

/**
 * Whether to notify: the fingerprint moved from what was last delivered. Nothing delivered yet
 * reads as Synced (no issue is open), so the first Synced report writes nothing.
 */
export function notificationDue(delivered: string | undefined, next: string | undefined): boolean {
  if (next === undefined) return false;
  return next !== (delivered ?? syncedFingerprint);
}
