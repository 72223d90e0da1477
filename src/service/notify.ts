import type { Revision, SyncStatus } from '../core/types.ts';
import type { NotificationEvent } from '../ports/notifier.ts';
import type { DriftRecord } from '../ports/state.ts';
import type { ServiceContext } from './context.ts';

/**
 * Turns what the worker and the drift service learn into notification events, on transitions
 * only: the previous outcome is read from the audit log (the app status says Syncing while a
 * sync runs), so a sync that fails ten times in a row is announced once.
 */

type Outcome = 'Synced' | 'Degraded' | 'Failed';

/** Hands the event to the notifier; whatever the notifier does, the caller carries on. */
export function announce(ctx: ServiceContext, event: NotificationEvent | undefined): void {
  const notifier = ctx.deps.notifier;
  if (!event || !notifier) return;
  try {
    notifier.notify(event);
  } catch (err) {
    ctx.log.warn('notification not sent', { app: event.app, event: event.event, message: err instanceof Error ? err.message : String(err) });
  }
}

/** How the app's last finished, real (not dry-run) sync other than `excludeId` ended. */
export async function lastOutcome(ctx: ServiceContext, app: string, excludeId: string): Promise<Outcome | undefined> {
  const recent = await ctx.store.listSyncs({ app, limit: 20 });
  const last = recent.find((r) => r.id !== excludeId && !r.dryRun && (r.state === 'succeeded' || r.state === 'failed'));
  if (!last) return undefined;
  const status = last.result?.status;
  if (status === 'Synced' || status === 'Degraded' || status === 'Failed') return status;
  return last.state === 'failed' ? 'Failed' : 'Synced';
}

const short = (revision: Revision | undefined): string => (revision ? ` ${revision.ref}@${revision.sha.slice(0, 7)}` : '');

/** sync-failed, health-degraded or sync-recovered when the outcome moved; undefined when it did not. */
export function syncEvent(app: string, previous: Outcome | undefined, now: SyncStatus, fields: { at: string; revision?: Revision; syncId: string; message?: string }): NotificationEvent | undefined {
  const base = { app, at: fields.at, syncId: fields.syncId, ...(fields.revision ? { revision: fields.revision } : {}), ...(fields.message ? { message: fields.message } : {}) };
  if (now === 'Failed' && previous !== 'Failed') return { ...base, event: 'sync-failed', summary: `${app} failed to sync${short(fields.revision)}` };
  if (now === 'Degraded' && previous !== 'Degraded') return { ...base, event: 'health-degraded', summary: `${app} synced${short(fields.revision)} but is not healthy` };
  if (now === 'Synced' && (previous === 'Failed' || previous === 'Degraded')) {
    const { message: _message, ...rest } = base;
    return { ...rest, event: 'sync-recovered', summary: `${app} is synced and healthy again${short(fields.revision)}` };
  }
  return undefined;
}

/** The drift status before `record` (Unknown reports skipped: the check could not tell). */
export async function previousDrift(ctx: ServiceContext, record: DriftRecord): Promise<'Synced' | 'OutOfSync' | undefined> {
  // The newest report is `record` itself, stored just before.
  const history = await ctx.store.listDriftReports(record.app, 20);
  const before = history.slice(1).find((r) => r.status !== 'Unknown');
  return before?.status === 'Synced' || before?.status === 'OutOfSync' ? before.status : undefined;
}

/** drift-opened or drift-closed when the app's drift state moved. */
export function driftEvent(record: DriftRecord, previous: 'Synced' | 'OutOfSync' | undefined): NotificationEvent | undefined {
  const base = { app: record.app, at: record.checkedAt, ...(record.revision ? { revision: record.revision } : {}) };
  if (record.status === 'OutOfSync' && previous !== 'OutOfSync') {
    return { ...base, event: 'drift-opened', objects: record.objects.length, summary: `${record.app} drifted from Git: ${record.objects.length} object${record.objects.length === 1 ? '' : 's'} changed in the cluster` };
  }
  if (record.status === 'Synced' && previous === 'OutOfSync') return { ...base, event: 'drift-closed', summary: `${record.app} matches Git again` };
  return undefined;
}
