import { ApiError, type Obj, type SchemaNode } from '../contracts.ts';
import { clone, deepEqual, fieldSchema, isObj } from './schema-walk.ts';

/**
 * Strategic merge patch for built-in types (k8s.io/apimachinery/pkg/util/strategicpatch),
 * driven by `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` from the schema.
 * Supports `$patch: replace|delete|merge`, `$retainKeys`, `$deleteFromPrimitiveList/<f>`,
 * `$setElementOrder/<f>`, nulls as deletes, merge lists of maps (by key) and of scalars.
 */

const DIRECTIVE = '$patch';
const RETAIN = '$retainKeys';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';
const SET_ORDER = '$setElementOrder/';

function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function strategicMergePatch(obj: Obj, patch: unknown, schema: SchemaNode | undefined): Obj {
  if (!isObj(patch)) throw badRequest('invalid JSON document');
  const out = mergeMap(clone(obj), patch, schema);
  return out ?? {};
}

function strategies(schema: SchemaNode | undefined): string[] {
  return schema?.patchStrategy?.split(',') ?? [];
}

/** Patch values that land where nothing existed lose their nulls and directives. */
function cleanNew(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter((v) => !(isObj(v) && (v[DIRECTIVE] === 'delete' || (v[DIRECTIVE] !== undefined && Object.keys(v).length === 1)))).map(cleanNew);
  }
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || k === DIRECTIVE || k === RETAIN || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
    out[k] = cleanNew(v);
  }
  return out;
}

function mergeMap(original: Obj, patch: Obj, schema: SchemaNode | undefined): Obj | undefined {
  const directive = patch[DIRECTIVE];
  if (directive !== undefined) {
    if (directive === 'replace') return cleanNew(patch) as Obj;
    if (directive === 'delete') return undefined;
    if (directive !== 'merge') throw badRequest(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  }
  const retain = patch[RETAIN];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest('invalid patch format of retainKeys');
    // Every field the patch sets must be retained (applyRetainKeysDirective).
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k === DIRECTIVE || k === RETAIN || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
      if (!retain.includes(k)) throw badRequest('invalid patch format of retainKeys');
    }
    for (const k of Object.keys(original)) if (!retain.includes(k)) delete original[k];
  }
  const orders = new Map<string, unknown[]>();
  const before = new Map<string, unknown>();
  for (const key of Object.keys(patch)) {
    if (key.startsWith(SET_ORDER)) before.set(key.slice(SET_ORDER.length), original[key.slice(SET_ORDER.length)]);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === DIRECTIVE || key === RETAIN) continue;
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const field = key.slice(DELETE_PRIMITIVE.length);
      if (!Array.isArray(value)) throw badRequest('invalid patch format of primitive list');
      const current = original[field];
      if (Array.isArray(current)) {
        const kept = current.filter((v) => !value.some((d) => deepEqual(d, v)));
        if (kept.length > 0) original[field] = kept;
        else delete original[field];
      }
      continue;
    }
    if (key.startsWith(SET_ORDER)) {
      if (!Array.isArray(value)) throw badRequest('invalid patch format of setElementOrder list');
      orders.set(key.slice(SET_ORDER.length), value);
      continue;
    }
    if (value === null) {
      delete original[key];
      continue;
    }
    const child = fieldSchema(schema, key);
    const current = original[key];
    if (current === undefined) {
      original[key] = cleanNew(value);
    } else if (isObj(current) && isObj(value) && !strategies(child).includes('replace')) {
      const merged = mergeMap(current, value, child);
      if (merged === undefined) delete original[key];
      else original[key] = merged;
    } else if (Array.isArray(current) && Array.isArray(value) && strategies(child).includes('merge')) {
      original[key] = mergeList(current, value, child);
    } else {
      original[key] = cleanNew(value);
    }
  }
  for (const [field, order] of orders) {
    const list = original[field];
    const server = before.get(field);
    if (Array.isArray(list)) original[field] = applyOrder(list, order, Array.isArray(server) ? server : [], fieldSchema(schema, field)?.patchMergeKey);
  }
  return original;
}

function mergeList(original: unknown[], patch: unknown[], schema: SchemaNode | undefined): unknown[] {
  if (patch.some((p) => isObj(p) && p[DIRECTIVE] === 'replace')) {
    return patch.filter((p) => !(isObj(p) && p[DIRECTIVE] === 'replace')).map(cleanNew);
  }
  const mergeKey = schema?.patchMergeKey;
  const maps = [...original, ...patch].some(isObj);
  if (!maps) {
    const out: unknown[] = [];
    for (const v of [...original, ...patch]) if (!out.some((o) => deepEqual(o, v))) out.push(v);
    return out;
  }
  if (!mergeKey) return patch.map(cleanNew);
  const out = [...original];
  for (const item of patch) {
    if (!isObj(item)) throw badRequest(`invalid patch: list item is not a map: ${JSON.stringify(item)}`);
    const keyValue = item[mergeKey];
    const directive = item[DIRECTIVE];
    if (keyValue === undefined) {
      throw new ApiError(500, 'InternalError', `map: ${goMap(item)} does not contain declared merge key: ${mergeKey}`);
    }
    const idx = out.findIndex((o) => isObj(o) && deepEqual(o[mergeKey], keyValue));
    if (directive === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (directive === 'replace') {
      const replacement = cleanNew(item);
      if (idx >= 0) out[idx] = replacement;
      else out.push(replacement);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(clone(out[idx] as Obj), item, schema?.items);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      out.push(cleanNew(item));
    }
  }
  return out;
}

/**
 * normalizeElementOrder: items named in `$setElementOrder` follow that order; items only the server
 * had keep their place relative to them, as the original list had it (mergeSortedSlice).
 */
function applyOrder(list: unknown[], order: unknown[], server: unknown[], mergeKey: string | undefined): unknown[] {
  const id = (v: unknown) => (mergeKey && isObj(v) ? v[mergeKey] : v);
  const indexIn = (l: unknown[], v: unknown) => l.findIndex((x) => deepEqual(id(x), id(v)));
  const patched = list.filter((v) => indexIn(order, v) >= 0).sort((a, b) => indexIn(order, a) - indexIn(order, b));
  const serverOnly = list.filter((v) => indexIn(order, v) < 0);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patched.length) {
    if (j >= patched.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(patched[j++]);
    else {
      const li = indexIn(server, serverOnly[i]);
      const ri = indexIn(server, patched[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(patched[j++]);
    }
  }
  return out;
}

/** Go's %v of a map, as in the merge-key error. */
function goMap(m: Obj): string {
  return `map[${Object.keys(m).sort().map((k) => `${k}:${typeof m[k] === 'object' ? JSON.stringify(m[k]) : String(m[k])}`).join(' ')}]`;
}
