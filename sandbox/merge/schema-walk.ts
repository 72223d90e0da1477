import { ApiError, type SchemaNode } from '../contracts.ts';
import { cloneJson } from '../json.ts';
import { indexPE, keyPE, valuePE, type PathElement } from './fieldset.ts';

/** Helpers shared by the structured walkers: how a value is typed under a (possibly absent) schema. */

export type Plain = Record<string, unknown>;

export function isObj(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObj(a)) {
    if (!isObj(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function clone<T>(value: T): T {
  return cloneJson(value);
}

export type Kind = 'scalar' | 'list' | 'map';

export function kindOf(value: unknown): Kind {
  if (Array.isArray(value)) return 'list';
  if (isObj(value)) return 'map';
  return 'scalar';
}

/** Schema of a map entry: the declared field, else the map's value schema; undefined means "deduced". */
export function fieldSchema(schema: SchemaNode | undefined, key: string): SchemaNode | undefined {
  return schema?.properties?.[key] ?? schema?.additional;
}

export function isDeclared(schema: SchemaNode | undefined, key: string): boolean {
  return !!schema?.properties?.[key];
}

export function mapAtomic(schema: SchemaNode | undefined): boolean {
  return schema?.mapType === 'atomic';
}

/** Lists without a declared type (and lists of deduced types) are atomic, as in structured-merge-diff. */
export function listType(schema: SchemaNode | undefined): 'atomic' | 'set' | 'map' {
  return schema?.listType ?? 'atomic';
}

export function emptyContainer(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isObj(value)) return Object.keys(value).length === 0;
  return false;
}

/** The path element naming a list item: its key fields, its value (sets), or its index. */
export function itemPE(schema: SchemaNode | undefined, item: unknown, index: number, where?: () => string): PathElement {
  const type = listType(schema);
  if (type === 'set') return valuePE(item);
  if (type === 'map') {
    const keys = schema?.listMapKeys ?? [];
    if (keys.length === 0) return indexPE(index);
    const fields: Plain = {};
    for (const k of keys) {
      const v = isObj(item) ? item[k] : undefined;
      if (v !== undefined) {
        fields[k] = v;
        continue;
      }
      // Only list-map keys fall back to the schema default (e.g. ports' protocol: TCP).
      const def = schema?.items?.properties?.[k]?.default;
      if (def === undefined) {
        throw new ApiError(500, 'InternalError', `${where ? `${where()}: ` : ''}element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`);
      }
      fields[k] = def;
    }
    return keyPE(fields);
  }
  return indexPE(index);
}

