// The check structured-merge-diff makes when server-side apply turns the applied configuration
// into a typed value (typed/validate.go): undeclared fields and scalars of the wrong type. The API
// server answers a failure with a 500: `failed to create typed patch object (<ns>/<name>; <gvk>):
// <errors>` (kubernetes/kubernetes#122480).
import type { SchemaNode } from '../contracts.ts';

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's %v of an unstructured value. */
function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (isObj(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
  return String(v);
}

/** Go's %T of an unstructured value. */
function goTypeOf(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  if (isObj(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** %#v of a value.Value wrapping an unstructured scalar. */
function goSyntax(v: unknown): string {
  const inner = typeof v === 'string' ? JSON.stringify(v) : isObj(v) || Array.isArray(v) ? goTypeOf(v) + goValue(v).replace(/^map|^\[/, (m) => (m === 'map' ? '{' : '{')) : String(v);
  return `&value.valueUnstructured{Value:${inner}}`;
}

const scalar = (v: unknown): boolean => !isObj(v) && !Array.isArray(v);

function keyString(item: Record<string, unknown>, keys: string[]): string {
  return `[${keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(',')}]`;
}

function walk(v: unknown, node: SchemaNode, path: string, out: string[]): void {
  if (v === null || v === undefined) return;
  if (node.ref === QUANTITY || node.intOrString) {
    if (!scalar(v)) out.push(`${path}: expected any scalar, got &{${goValue(v)}}`);
    return;
  }
  if (node.preserveUnknownFields && !node.properties) return;
  switch (node.type) {
    case 'integer':
    case 'number':
      if (typeof v !== 'number') out.push(`${path}: expected numeric (int or float), got ${goTypeOf(v)}`);
      return;
    case 'string':
      if (typeof v !== 'string') out.push(`${path}: expected string, got ${goSyntax(v)}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') out.push(`${path}: expected boolean, got &{${goValue(v)}}`);
      return;
    case 'array': {
      if (!Array.isArray(v)) { out.push(`${path}: expected list, got &{${goValue(v)}}`); return; }
      const items = node.items;
      if (!items) return;
      v.forEach((item, i) => {
        const keys = node.listType === 'map' ? node.listMapKeys ?? [] : [];
        const step = keys.length > 0 && isObj(item) && keys.every((k) => item[k] !== undefined) ? keyString(item, keys) : `[${i}]`;
        walk(item, items, `${path}${step}`, out);
      });
      return;
    }
    case 'object': {
      if (!isObj(v)) { out.push(`${path}: expected map, got &{${goValue(v)}}`); return; }
      for (const key of Object.keys(v)) {
        const child = node.properties?.[key] ?? node.additional;
        if (!child) {
          if (node.preserveUnknownFields) continue;
          // visitMapItems stops at the first undeclared field of an object.
          out.push(`${path}.${key}: field not declared in schema`);
          return;
        }
        walk(v[key], child, `${path}.${key}`, out);
      }
      return;
    }
    default:
  }
}

/** The typed-conversion errors of an applied configuration, as ValidationErrors.Error() joins them. */
export function typedPatchError(obj: Record<string, unknown>, schema: SchemaNode | undefined): string | undefined {
  if (!schema) return undefined;
  const out: string[] = [];
  walk(obj, { ...schema, type: 'object' }, '', out);
  if (out.length === 0) return undefined;
  return out.length === 1 ? out[0] : ['errors:', ...out.map((e) => `  ${e}`)].join('\n');
}
