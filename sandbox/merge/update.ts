import type { Obj, UpdateArgs } from '../contracts.ts';
import { decodeManagedFields, managerKey, resetFields, setManagedFields, withoutManagedFields, type Managers } from './managed.ts';
import { isObj } from './schema-walk.ts';
import { ownedByWrite, updateOthers, zeroObject } from './updater.ts';

/** managedFields `[]` or `[{}]` in a write asks the server to drop all tracking (isResetManagedFields). */
function isReset(raw: unknown): boolean {
  if (!Array.isArray(raw)) return false;
  if (raw.length === 0) return true;
  return raw.length === 1 && isObj(raw[0]) && Object.keys(raw[0]).length === 0;
}

function rawManagedFields(obj: Obj | undefined): unknown {
  const meta = obj?.['metadata'];
  return isObj(meta) ? meta['managedFields'] : undefined;
}

/**
 * Field ownership for create, update and non-apply patches (FieldManager.Update): the manager
 * gets an `Update` entry (per manager, apiVersion and subresource) for what it changed or added,
 * everyone else loses those fields and the fields it removed. managedFields sent in the write
 * replace the stored ones (clients such as kubectl migrate ownership that way); subresource
 * writes cannot change them.
 *
 * Call it with the object as it will be stored, after decode-time defaults (imagePullPolicy and
 * the like count as the writer's) but before allocations such as a Service's clusterIP.
 */
export function recordUpdate(args: UpdateArgs): Obj {
  const { old, updated, schema, apiVersion, subresource, now } = args;
  const manager = args.manager || 'unknown';
  const reset = resetFields(subresource, args.statusSubresource, schema);
  const sent = rawManagedFields(updated);
  let managers: Managers;
  if (subresource) managers = decodeManagedFields(rawManagedFields(old)) ?? new Map();
  else if (isReset(sent)) managers = new Map();
  else {
    const fromWrite = decodeManagedFields(sent);
    managers = fromWrite && fromWrite.size > 0 ? fromWrite : (decodeManagedFields(rawManagedFields(old)) ?? new Map());
  }
  const newBody = withoutManagedFields(updated);
  // Objects that exist without managedFields stay untracked until the next apply.
  if (managers.size === 0 && old) return newBody;

  const oldBody = old ? withoutManagedFields(old) : zeroObject(schema);
  const id = { manager, operation: 'Update' as const, apiVersion, ...(subresource ? { subresource } : {}) };
  const key = managerKey(id);
  // updateOthers replaces the sets of entries that lose fields, this writer's own included.
  const before = managers.get(key);
  const beforeSet = before?.set;
  const cmp = updateOthers(oldBody, newBody, schema, managers, undefined, true, reset);
  const set = ownedByWrite(cmp, reset);
  if (!set.empty()) {
    const previous = managers.get(key);
    const next = previous ? set.union(previous.set) : set;
    // Controllers rewrite the same status fields over and over: when the entry ends up owning what
    // it owned before, it keeps the FieldsV1 it was decoded from instead of encoding it again.
    const decoded = before?.decoded;
    const unchangedSet = decoded && decoded.set === beforeSet && next.equals(decoded.set);
    managers.set(key, unchangedSet ? { ...id, time: now, set: decoded.set, decoded } : { ...id, time: now, set: next });
  }
  capUpdateManagers(managers);
  return setManagedFields(newBody, managers);
}

const MAX_UPDATE_MANAGERS = 10;

/**
 * Beyond ten Update entries the oldest are folded, per apiVersion, into `ancient-changes`
 * (capmanagers.go), so that managedFields cannot grow without bound.
 */
function capUpdateManagers(managers: Managers): void {
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  const updaters = [...managers.entries()].filter(([, e]) => e.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ka, a], [kb, b]) => seconds(a.time) - seconds(b.time) || (ka < kb ? -1 : ka > kb ? 1 : 0));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (const [key, e] of updaters) {
    if (length <= MAX_UPDATE_MANAGERS) break;
    const first = firstByVersion.get(e.apiVersion);
    if (first === undefined) {
      firstByVersion.set(e.apiVersion, key);
      continue;
    }
    const bucketId = { manager: 'ancient-changes', operation: 'Update' as const, apiVersion: e.apiVersion };
    const bucketKey = managerKey(bucketId);
    let bucket = managers.get(bucketKey);
    if (!bucket) {
      const firstEntry = managers.get(first)!;
      managers.delete(first);
      bucket = { ...bucketId, set: firstEntry.set };
      managers.set(bucketKey, bucket);
    }
    bucket.set = e.set.union(bucket.set);
    if (e.time) bucket.time = e.time;
    managers.delete(key);
    length--;
  }
}
