import type { Obj, SchemaNode } from '../contracts.ts';
import { isObj } from './util.ts';

/**
 * Structural defaulting of custom resources, as apiextensions' schema/defaulting does it on every
 * write and on every read of a stored object: a property's `default` fills it when absent (or null
 * and not nullable), only inside objects that exist; array items and map values are walked too.
 * Non-nullable nulls without a default are pruned first (PruneNonNullableNullsWithoutDefaults).
 */

const hasDefaultsCache = new WeakMap<SchemaNode, boolean>();
const bodies = new WeakMap<SchemaNode, SchemaNode>();

/**
 * The root schema without `metadata`, `apiVersion` and `kind`: object metadata has the server's
 * own defaulting and validation, not the CRD's. Cached per compiled schema.
 */
export function bodySchema(root: SchemaNode): SchemaNode {
  let body = bodies.get(root);
  if (!body) {
    const { metadata: _m, apiVersion: _a, kind: _k, ...properties } = root.properties ?? {};
    body = { ...root, properties };
    bodies.set(root, body);
  }
  return body;
}

/** Whether any node under `schema` declares a default (computed once per compiled CRD schema). */
export function hasDefaults(schema: SchemaNode, seen = new Set<SchemaNode>()): boolean {
  const cached = hasDefaultsCache.get(schema);
  if (cached !== undefined) return cached;
  if (seen.has(schema)) return false;
  seen.add(schema);
  const children = [...Object.values(schema.properties ?? {}), ...(schema.items ? [schema.items] : []), ...(schema.additional ? [schema.additional] : [])];
  const result = schema.default !== undefined || children.some((c) => hasDefaults(c, seen));
  hasDefaultsCache.set(schema, result);
  return result;
}

const copy = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)) as T);

const prunable = (v: unknown, s: SchemaNode | undefined): boolean => v === null && !!s && !s.nullable && s.default === undefined;
const defaultable = (v: unknown, s: SchemaNode | undefined): s is SchemaNode => v === null && !!s && !s.nullable && s.default !== undefined;

/** Removes non-nullable nulls that have no default, in place. */
export function pruneNulls(x: unknown, s: SchemaNode | undefined): void {
  if (Array.isArray(x)) {
    for (const item of x) pruneNulls(item, s?.items);
  } else if (isObj(x)) {
    for (const [k, v] of Object.entries(x)) {
      const child = s?.properties?.[k] ?? s?.additional;
      if (prunable(v, child)) delete x[k];
      else pruneNulls(v, child);
    }
  }
}

/** Fills defaults into `x` in place; returns whether anything changed. */
export function applySchemaDefaults(x: unknown, s: SchemaNode | undefined): boolean {
  if (!s) return false;
  let changed = false;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      if (defaultable(x[i], s.items)) { x[i] = copy(s.items.default); changed = true; }
      changed = applySchemaDefaults(x[i], s.items) || changed;
    }
  } else if (isObj(x)) {
    for (const [k, prop] of Object.entries(s.properties ?? {})) {
      if (prop.default === undefined) continue;
      if (!(k in x) || defaultable(x[k], prop)) { x[k] = copy(prop.default); changed = true; }
    }
    for (const k of Object.keys(x)) {
      const prop = s.properties?.[k];
      if (prop) changed = applySchemaDefaults(x[k], prop) || changed;
      else if (s.additional) {
        if (defaultable(x[k], s.additional)) { x[k] = copy(s.additional.default); changed = true; }
        changed = applySchemaDefaults(x[k], s.additional) || changed;
      }
    }
  }
  return changed;
}

/** Would defaulting change `x`? (A read only copies a stored object when it must.) */
function wouldDefault(x: unknown, s: SchemaNode | undefined): boolean {
  if (!s) return false;
  if (Array.isArray(x)) return x.some((item) => defaultable(item, s.items) || wouldDefault(item, s.items));
  if (!isObj(x)) return false;
  for (const [k, prop] of Object.entries(s.properties ?? {})) {
    if (prop.default !== undefined && (!(k in x) || defaultable(x[k], prop))) return true;
  }
  for (const [k, v] of Object.entries(x)) {
    const child = s.properties?.[k] ?? s.additional;
    if (child && ((!s.properties?.[k] && defaultable(v, child)) || wouldDefault(v, child))) return true;
  }
  return false;
}

/**
 * A stored custom resource as a read returns it: defaulted by the current schema (a default added
 * to the CRD after the object was written shows on read). The stored object is never changed.
 */
export function defaultedOnRead(obj: Obj, schema: SchemaNode | undefined): Obj {
  if (!schema) return obj;
  const body = bodySchema(schema);
  if (!hasDefaults(body) || !wouldDefault(obj, body)) return obj;
  const out = copy(obj);
  applySchemaDefaults(out, body);
  return out;
}
