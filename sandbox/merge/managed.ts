import type { Obj, SchemaNode } from '../contracts.ts';
import { isCustomSchema } from '../schema/jsonschemaprops.ts';
import { FieldSet } from './fieldset.ts';
import { isObj } from './schema-walk.ts';

/**
 * `metadata.managedFields` as the API server's field manager reads and writes it
 * (k8s.io/apimachinery/pkg/util/managedfields/internal/managedfields.go).
 */

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
  /** The FieldsV1 this entry was decoded from, reused while `set` is still the decoded one. */
  decoded?: { set: FieldSet; fieldsV1: unknown };
}

/**
 * The manager identifier: the entry's JSON without fieldsType, fieldsV1 and time, and without
 * apiVersion for Apply (BuildManagerIdentifier). Conflict messages sort managers by it.
 */
export function managerKey(e: { manager: string; operation: string; apiVersion?: string; subresource?: string }): string {
  const id: Record<string, string> = { manager: e.manager, operation: e.operation };
  if (e.operation !== 'Apply' && e.apiVersion) id['apiVersion'] = e.apiVersion;
  if (e.subresource) id['subresource'] = e.subresource;
  return JSON.stringify(id);
}

export type Managers = Map<string, ManagerEntry>;

/**
 * FieldSets by the FieldsV1 object they were decoded from. Stored versions of an object share the
 * FieldsV1 of entries a write did not change, and neither side is ever modified in place (FieldSet
 * operations return new sets), so each is decoded once rather than on every write.
 */
const decodedFieldsV1 = new WeakMap<object, FieldSet>();

function decodeFieldsV1(fieldsV1: unknown): FieldSet {
  if (typeof fieldsV1 !== 'object' || fieldsV1 === null) return FieldSet.fromFieldsV1(fieldsV1);
  let set = decodedFieldsV1.get(fieldsV1);
  if (!set) {
    set = FieldSet.fromFieldsV1(fieldsV1);
    decodedFieldsV1.set(fieldsV1, set);
  }
  return set;
}

/** Decodes managedFields; undefined when they are malformed (the server then falls back to live's). */
export function decodeManagedFields(raw: unknown): Managers | undefined {
  const out: Managers = new Map();
  if (raw === undefined || raw === null) return out;
  if (!Array.isArray(raw)) return undefined;
  for (const entry of raw) {
    if (!isObj(entry)) return undefined;
    const operation = entry['operation'];
    if (operation !== 'Apply' && operation !== 'Update') return undefined;
    if (typeof entry['apiVersion'] !== 'string' || entry['apiVersion'] === '') return undefined;
    if (entry['fieldsType'] !== 'FieldsV1') return undefined;
    const manager = typeof entry['manager'] === 'string' ? entry['manager'] : '';
    const set = decodeFieldsV1(entry['fieldsV1']);
    const decoded: ManagerEntry = { manager, operation, apiVersion: entry['apiVersion'], set, decoded: { set, fieldsV1: entry['fieldsV1'] } };
    if (typeof entry['subresource'] === 'string' && entry['subresource']) decoded.subresource = entry['subresource'];
    if (typeof entry['time'] === 'string') decoded.time = entry['time'];
    out.set(managerKey(decoded), decoded);
  }
  return out;
}

/** Encodes entries in the server's order: operation, time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): Obj[] | undefined {
  const entries = [...managers.values()].filter((e) => !e.set.empty());
  if (entries.length === 0) return undefined;
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  entries.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    if (seconds(p.time) !== seconds(q.time)) return seconds(p.time) - seconds(q.time);
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0;
  });
  return entries.map((e) => {
    const out: Obj = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) out['time'] = e.time;
    out['fieldsType'] = 'FieldsV1';
    // An entry nobody changed keeps its FieldsV1 object: stored versions share it, and nothing
    // writes into a stored managedFields entry (every change builds a new one).
    out['fieldsV1'] = e.decoded?.set === e.set ? e.decoded.fieldsV1 : e.set.toFieldsV1();
    if (e.subresource) out['subresource'] = e.subresource;
    return out;
  });
}

/** Metadata the field manager never records (stripmeta.go). */
export const STRIPPED = FieldSet.fromPaths([
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
]);

/**
 * Fields a write through this endpoint neither changes nor owns (the strategies' GetResetFields):
 * the main resource resets `status` when the type has a status subresource; the status
 * subresource resets `spec`. Without an explicit answer, a built-in kind whose schema has a
 * `status` is taken to have the subresource (true of every GA built-in with a status).
 */
export function resetFields(subresource: string | undefined, statusSubresource: boolean | undefined, schema: SchemaNode | undefined): string[] {
  if (subresource === 'status') return ['spec'];
  const hasStatus = statusSubresource ?? (!!schema?.properties?.['status'] && !isCustomSchema(schema));
  if (!subresource && hasStatus) return ['status'];
  return [];
}

/** Removes `paths` (subtrees) from a field set. */
export function withoutTopLevel(set: FieldSet, fields: string[]): FieldSet {
  if (fields.length === 0) return set;
  const out = set.clone();
  for (const f of fields) {
    out.members.delete(`f:${f}`);
    out.children.delete(`f:${f}`);
  }
  return out;
}

/** The object without managedFields (what the typed comparisons see). */
export function withoutManagedFields(obj: Obj): Obj {
  const meta = obj['metadata'];
  if (!isObj(meta) || !('managedFields' in meta)) return obj;
  const rest = { ...meta };
  delete rest['managedFields'];
  return { ...obj, metadata: rest };
}

export function setManagedFields(obj: Obj, managers: Managers): Obj {
  const meta = isObj(obj['metadata']) ? { ...obj['metadata'] } : {};
  const encoded = encodeManagedFields(managers);
  if (encoded) meta['managedFields'] = encoded;
  else delete meta['managedFields'];
  return { ...obj, metadata: meta };
}
