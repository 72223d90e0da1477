import { isRecord } from '../core/objects.ts';
import type { KubeObject, ManagedFieldsEntry } from '../core/types.ts';
import { FIELD_MANAGER } from '../core/labels.ts';

function countLeaves(fields: unknown): number {
  if (!isRecord(fields)) return 0;
  const keys = Object.keys(fields).filter((k) => k !== '.');
  if (keys.length === 0) return 1;
  return keys.reduce((sum, k) => sum + countLeaves(fields[k]), 0);
}

function fieldCounts(obj: KubeObject | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of obj?.metadata.managedFields ?? []) {
    if (!entry.manager || entry.subresource) continue;
    counts.set(entry.manager, (counts.get(entry.manager) ?? 0) + countLeaves(entry.fieldsV1));
  }
  return counts;
}

/** Managers (other than driftless) who own fewer fields after than before: whose fields Git took. */
export function displacedManagers(before: KubeObject | undefined, after: KubeObject | undefined): string[] {
  const was = fieldCounts(before);
  const now = fieldCounts(after);
  return [...was.entries()].filter(([manager, count]) => manager !== FIELD_MANAGER && (now.get(manager) ?? 0) < count).map(([manager]) => manager).sort();
}

export function hasApplyEntry(obj: KubeObject): boolean {
  return (obj.metadata.managedFields ?? []).some((e: ManagedFieldsEntry) => e.manager === FIELD_MANAGER && e.operation === 'Apply' && !e.subresource);
}
