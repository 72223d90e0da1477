import { isRecord } from '../core/objects.ts';
import type { KubeObject } from '../core/types.ts';
import { deepEqual, keyedBy } from '../plan/compare.ts';
import { FIELD_MANAGER } from '../core/labels.ts';

/** One step into managedFields' fieldsV1: a field (`f:`) or a list item identified by its key fields (`k:`). */
type Step = { field: string } | { item: Record<string, unknown> };

export interface FieldChange {
  /** JSON pointer into the live object (list items by their live index). */
  path: string;
  desired?: unknown;
  live?: unknown;
  manager?: string;
}

const escapePointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** Absent, null and empty collections mean the same to the API server (`[]` vs absent is no drift). */
function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0);
}

function equivalent(a: unknown, b: unknown): boolean {
  return deepEqual(a, b) || (isBlank(a) && isBlank(b));
}

/**
 * The fields of the managed set (every path in `applied`: what driftless applied) where `live`
 * differs from `expected` (the server's dry run of that same apply, so defaults, admission
 * mutations and equivalent forms such as `0.5` vs `500m` already agree). Fields outside the
 * managed set are never looked at. Keyed lists (containers by name...) are matched by key, other
 * lists compared whole, as server-side apply treats them.
 */
export function changedFields(applied: KubeObject, expected: KubeObject, live: KubeObject): FieldChange[] {
  const out: FieldChange[] = [];
  walk(applied, expected, live, '', [], live, out);
  return out;
}

function walk(applied: unknown, expected: unknown, live: unknown, pointer: string, steps: Step[], root: KubeObject, out: FieldChange[]): void {
  if (isRecord(applied) && Object.keys(applied).length > 0) {
    for (const key of Object.keys(applied).sort()) {
      walk(applied[key], isRecord(expected) ? expected[key] : undefined, isRecord(live) ? live[key] : undefined, `${pointer}/${escapePointer(key)}`, [...steps, { field: key }], root, out);
    }
    return;
  }
  const key = Array.isArray(applied) && applied.length > 0 ? keyedBy(applied) : undefined;
  if (Array.isArray(applied) && key) {
    const find = (list: unknown, id: unknown): number => (Array.isArray(list) ? list.findIndex((item) => isRecord(item) && item[key] === id) : -1);
    applied.forEach((item, i) => {
      const id = (item as Record<string, unknown>)[key];
      const e = find(expected, id);
      const l = find(live, id);
      const expectedItem = e >= 0 ? (expected as unknown[])[e] : undefined;
      const liveItem = l >= 0 ? (live as unknown[])[l] : undefined;
      if (liveItem === undefined && expectedItem !== undefined) {
        // The whole item is gone: one field, not one per leaf.
        out.push({ path: `${pointer}/${e}`, desired: expectedItem });
        return;
      }
      walk(item, expectedItem, liveItem, `${pointer}/${l >= 0 ? l : i}`, [...steps, { item: isRecord(expectedItem) ? expectedItem : (item as Record<string, unknown>) }], root, out);
    });
    return;
  }
  if (equivalent(expected, live)) return;
  out.push({ path: pointer, ...(expected !== undefined ? { desired: expected } : {}), ...(live !== undefined ? { live } : {}), ...managerAt(root, steps) });
}

/** The child of a fieldsV1 node for one step; list items match when their key fields equal the item's. */
function child(node: Record<string, unknown>, step: Step): unknown {
  if ('field' in step) return node[`f:${step.field}`];
  for (const [name, value] of Object.entries(node)) {
    if (!name.startsWith('k:')) continue;
    let keys: unknown;
    try {
      keys = JSON.parse(name.slice(2));
    } catch {
      continue;
    }
    if (isRecord(keys) && Object.entries(keys).every(([k, v]) => deepEqual(step.item[k], v))) return value;
  }
  return undefined;
}

function owns(fields: unknown, steps: Step[]): boolean {
  let node = fields;
  for (const step of steps) {
    if (!isRecord(node)) return false;
    node = child(node, step);
    if (node === undefined) return false;
  }
  return true;
}

/**
 * Who holds a path now, from the live object's managedFields (subresources included: `kubectl
 * scale` writes through /scale). Another manager is named before driftless when they share it;
 * nobody holds a path that was removed.
 */
function managerAt(live: KubeObject, steps: Step[]): { manager?: string } {
  const owners = (live.metadata.managedFields ?? []).filter((e) => e.manager && owns(e.fieldsV1, steps)).map((e) => e.manager!);
  const manager = owners.find((m) => m !== FIELD_MANAGER) ?? owners[0];
  return manager ? { manager } : {};
}
