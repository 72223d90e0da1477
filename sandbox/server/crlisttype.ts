import type { SchemaNode, StatusCause } from '../contracts.ts';
import { isObj } from './util.ts';

/**
 * The `x-kubernetes-list-type` invariants of custom resources (apiextensions' structurallisttype):
 * items of a `set` and the keys of a `map` list are unique; every later repeat is a
 * `Duplicate value` at its index.
 */
export function listTypeCauses(value: unknown, schema: SchemaNode | undefined, path = ''): StatusCause[] {
  if (!schema || value === undefined || value === null) return [];
  const causes: StatusCause[] = [];
  if (Array.isArray(value)) {
    if (schema.listType === 'set') causes.push(...duplicates(value, path, (item) => JSON.stringify(sorted(item)), (item) => item));
    if (schema.listType === 'map' && schema.listMapKeys?.length) {
      const keys = schema.listMapKeys;
      const keyOf = (item: unknown): Record<string, unknown> => Object.fromEntries(keys.map((k) => [k, isObj(item) ? item[k] ?? schema.items?.properties?.[k]?.default : undefined]).filter(([, v]) => v !== undefined));
      causes.push(...duplicates(value, path, (item) => JSON.stringify(sorted(keyOf(item))), keyOf));
    }
    if (schema.items) value.forEach((item, i) => causes.push(...listTypeCauses(item, schema.items, `${path}[${i}]`)));
  } else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      const child = schema.properties?.[k] ?? schema.additional;
      if (child) causes.push(...listTypeCauses(v, child, `${path}.${k}`));
    }
  }
  return causes;
}

function duplicates(items: unknown[], path: string, identity: (item: unknown) => string, shown: (item: unknown) => unknown): StatusCause[] {
  const seen = new Set<string>();
  const out: StatusCause[] = [];
  items.forEach((item, i) => {
    const id = identity(item);
    if (!seen.has(id)) { seen.add(id); return; }
    const field = `${path}[${i}]`.replace(/^\./, '');
    out.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${goValue(shown(item))}` });
  });
  return out;
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  return v;
}

/** A value as field.Error prints it: scalars plain or quoted, anything else as Go's %#v of unstructured JSON. */
function goValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return goSyntax(v);
}

function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(', ')}}`;
  const obj = v as Record<string, unknown>;
  return `map[string]interface {}{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${goSyntax(obj[k])}`).join(', ')}}`;
}
