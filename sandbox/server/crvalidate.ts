import type { SchemaNode, StatusCause } from '../contracts.ts';
import { isObj } from './util.ts';

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * The structural-schema checks the apiextensions validator makes on custom resources: types and
 * enums, with the messages of kube-openapi's validate package
 * (`spec.replicas in body must be of type integer: "string"`).
 */
export function schemaCauses(value: unknown, schema: SchemaNode | undefined, path = ''): StatusCause[] {
  if (!schema || value === undefined || schema.preserveUnknownFields && !schema.properties) return [];
  const causes: StatusCause[] = [];
  const actual = typeOf(value);
  const want = schema.type;
  const field = path.replace(/^\./, '');
  if (schema.intOrString) {
    if (actual !== 'integer' && actual !== 'string') causes.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "${actual}": ${field} in body must be of type integer,string: "${actual}"` });
    return causes;
  }
  if (want && actual !== want && !(want === 'number' && actual === 'integer') && value !== null) {
    causes.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "${actual}": ${field} in body must be of type ${want}: "${actual}"` });
    return causes;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    causes.push({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => causes.push(...schemaCauses(item, schema.items, `${path}[${i}]`)));
  if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (path === '' && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
      const child = schema.properties?.[k] ?? schema.additional;
      if (child) causes.push(...schemaCauses(v, child, `${path}.${k}`));
    }
  }
  return causes;
}
