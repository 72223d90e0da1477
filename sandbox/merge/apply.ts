import { ApiError, type ApplyArgs, type Obj, type SchemaNode } from '../contracts.ts';
import { FieldSet } from './fieldset.ts';
import { decodeManagedFields, managerKey, resetFields, setManagedFields, STRIPPED, withoutManagedFields, withoutTopLevel, type Managers } from './managed.ts';
import { clone, deepEqual, isObj } from './schema-walk.ts';
import { ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet } from './typed.ts';
import { allowedConflicts, updateLastApplied } from './lastapplied.ts';
import { conflictError, Conflicts, ownedByWrite, updateOthers, zeroObject } from './updater.ts';

/**
 * Server-side apply (PATCH application/apply-patch+yaml), following the API server's field
 * manager chain: before-first-apply tracking, structured merge, pruning of fields the applier
 * stopped sending, conflicts (409) unless forced, and managedFields encoding.
 *
 * Returns the merged object with managedFields; when nothing but managedFields would change it
 * returns live's content unchanged, and when managedFields are unchanged too the result is
 * deep-equal to `live` (the caller then keeps resourceVersion and emits no event). Defaulting is
 * the caller's job, after this.
 */
export function serverSideApply(args: ApplyArgs): Obj {
  let result: Obj;
  try {
    result = applyOnce(args, args.force);
  } catch (err) {
    if (!(err instanceof Conflicts)) throw err;
    // kubectl moving from client-side to server-side apply may take over fields whose value is
    // still the one its last-applied annotation recorded.
    const allowed = args.manager === 'kubectl' && args.live ? allowedConflicts(args.live, args.schema, args.apiVersion) : undefined;
    if (!allowed) throw conflictError(err.byManager);
    const remaining = new Map<string, FieldSet>();
    for (const [key, set] of err.byManager) {
      const left = set.difference(allowed);
      if (!left.empty()) remaining.set(key, left);
    }
    if (remaining.size > 0) throw conflictError(remaining);
    result = applyOnce(args, true);
  }
  return args.manager === 'kubectl' ? updateLastApplied(result, args.applied) : result;
}

function applyOnce(args: ApplyArgs, force: boolean): Obj {
  const { live, applied, schema, apiVersion, now } = args;
  const manager = args.manager || 'unknown';
  const appliedMeta = applied['metadata'];
  if (isObj(appliedMeta) && appliedMeta['managedFields'] !== undefined && appliedMeta['managedFields'] !== null) {
    throw new ApiError(400, 'BadRequest', 'metadata.managedFields must be nil');
  }
  const reset = resetFields(args.subresource, args.statusSubresource, schema);
  const config: Obj = { ...applied };
  for (const f of reset) delete config[f];

  const liveBody = live ? withoutManagedFields(live) : {};
  const managers: Managers = (live ? decodeManagedFields(live['metadata'] && (live['metadata'] as Obj)['managedFields']) : undefined) ?? new Map();
  if (live && managers.size === 0) trackBeforeFirstApply(liveBody, schema, managers, apiVersion, reset, now);

  let merged = merge(liveBody, config, schema) as Obj;
  const key = managerKey({ manager, operation: 'Apply', subresource: args.subresource });
  const previous = managers.get(key);
  const lastSet = previous?.set;
  const entry = {
    manager,
    operation: 'Apply' as const,
    apiVersion,
    ...(args.subresource ? { subresource: args.subresource } : {}),
    ...(previous?.time ? { time: previous.time } : {}),
    set: withoutTopLevel(toFieldSet(config, schema), reset).difference(STRIPPED),
  };
  managers.set(key, entry);
  // Pruning only matters when the applier owned something it no longer sends.
  if (lastSet && !lastSet.difference(entry.set).empty()) merged = prune(merged, managers, lastSet, schema);
  updateOthers(liveBody, merged, schema, managers, key, force, reset);
  merged = dropNulls(merged) as Obj;

  const noop = !!live && deepEqual(liveBody, merged);
  // The real server stamps the time only when the object changed; a brand-new entry gets one too
  // here so that every entry carries a time.
  if (!noop || !previous) entry.time = now;
  if (entry.set.empty()) managers.delete(key);
  const result = noop ? clone(liveBody) : merged;
  return setManagedFields(result, managers);
}

/** Objects that predate field tracking get their existing fields attributed to `before-first-apply`. */
function trackBeforeFirstApply(liveBody: Obj, schema: SchemaNode | undefined, managers: Managers, apiVersion: string, reset: string[], now: string): void {
  const cmp = updateOthers(zeroObject(schema), liveBody, schema, managers, undefined, true, reset);
  const set = ownedByWrite(cmp, reset);
  if (set.empty()) return;
  const e = { manager: 'before-first-apply', operation: 'Update' as const, apiVersion, time: now, set };
  managers.set(managerKey(e), e);
}

/**
 * Removes what the applier owned last time and no longer sends, unless another manager (or the
 * new config) still owns it (Updater.prune, addBackOwnedItems, addBackDanglingItems).
 */
function prune(merged: Obj, managers: Managers, lastSet: FieldSet, schema: SchemaNode | undefined): Obj {
  const named = (s: FieldSet) => ensureNamedFieldsAreMembers(s, schema);
  const setOf = (v: unknown) => named(toFieldSet(v ?? {}, schema));
  const last = named(lastSet);
  const pruned = removeItems(merged, last, schema) ?? {};
  let managed = new FieldSet();
  for (const e of managers.values()) managed = managed.union(e.set);
  const mergedSet = setOf(merged);
  const ownedBack = removeItems(merged, mergedSet.difference(setOf(pruned).union(named(managed))), schema) ?? {};
  const final = removeItems(merged, mergedSet.difference(setOf(ownedBack)).intersection(last), schema);
  return (final ?? {}) as Obj;
}

/**
 * Nulls an apply configuration sets do not survive decoding into the stored object (a nil pointer,
 * slice or map is omitted), except metav1.Time, which is a struct and stays `null`.
 */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null && k !== 'creationTimestamp') continue;
    out[k] = dropNulls(v);
  }
  return out;
}
