import { isIPv4, isIPv6 } from 'node:net';
import type { SchemaNode, StatusCause } from '../contracts.ts';
import { isObj } from './util.ts';

/**
 * The validation of custom resources against their CRD's structural schema, as
 * apiextensions-apiserver runs kube-openapi's validate package and turns its results into field
 * errors (kubeOpenAPIResultToFieldErrors): `spec.replicas: Invalid value: 11: spec.replicas in body
 * should be less than or equal to 10`, `Unsupported value`, `Too long`, `Too many`, `Required value`.
 */

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** A bad value as field.Error's ErrorBody prints it: numbers and booleans plain, strings quoted. */
function rendered(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(v ?? null);
}

/** The default case of kubeOpenAPIResultToFieldErrors: field.Invalid with kube-openapi's message. */
function invalid(field: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${rendered(value)}: ${field} in body ${detail}` };
}

function typeInvalid(field: string, value: unknown, type: string, data: string): StatusCause {
  return { reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${rendered(value)}: ${field} in body must be of type ${type}: ${JSON.stringify(data)}` };
}

/** field.TooMany, which maxItems and maxProperties map to. */
function tooMany(field: string, actual: number, max: number): StatusCause {
  return { reason: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}` };
}

/** Go's %v of a float64 limit: integral values print without a fraction. */
const num = (n: number): string => String(n);

const FORMATS: Record<string, (s: string) => boolean> = {
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s.replace(' ', 'T'))),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  uuid: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  ipv4: (s) => isIPv4(s),
  ipv6: (s) => isIPv6(s),
  'k8s-short-name': (s) => s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s),
};
FORMATS['datetime'] = FORMATS['date-time']!;

function numberCauses(field: string, value: number, schema: SchemaNode): StatusCause[] {
  const out: StatusCause[] = [];
  // kube-openapi's range check returns a plain error, which apiextensions reports without a field.
  if (schema.type === 'integer' && schema.format === 'int32' && (value > 2147483647 || value < -2147483648)) {
    out.push({ reason: 'FieldValueInvalid', message: `Invalid value: "": Checked value must be of type integer with format int32 in ${field}` });
  }
  const c = schema.checks;
  if (!c) return out;
  if (c.multipleOf !== undefined && c.multipleOf !== 0 && !Number.isInteger(value / c.multipleOf)) out.push(invalid(field, value, `should be a multiple of ${num(c.multipleOf)}`));
  if (c.maximum !== undefined) {
    if (c.exclusiveMaximum ? value >= c.maximum : value > c.maximum) {
      out.push(invalid(field, value, c.exclusiveMaximum ? `should be less than ${num(c.maximum)}` : `should be less than or equal to ${num(c.maximum)}`));
    }
  }
  if (c.minimum !== undefined) {
    if (c.exclusiveMinimum ? value <= c.minimum : value < c.minimum) {
      out.push(invalid(field, value, c.exclusiveMinimum ? `should be greater than ${num(c.minimum)}` : `should be greater than or equal to ${num(c.minimum)}`));
    }
  }
  return out;
}

function stringCauses(field: string, value: string, schema: SchemaNode): StatusCause[] {
  const out: StatusCause[] = [];
  const c = schema.checks;
  if (c) {
    // kube-openapi counts characters (runes); field.TooLong still says bytes.
    const length = c.maxLength !== undefined || c.minLength !== undefined ? [...value].length : 0;
    if (c.maxLength !== undefined && length > c.maxLength) {
      out.push({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${c.maxLength} ${c.maxLength === 1 ? 'byte' : 'bytes'}` });
    }
    if (c.minLength !== undefined && length < c.minLength) out.push(invalid(field, value, `should be at least ${c.minLength} chars long`));
    if (c.pattern && !c.pattern.re.test(value)) out.push(invalid(field, value, `should match '${c.pattern.source}'`));
  }
  const format = schema.format ? FORMATS[schema.format] : undefined;
  if (format && !format(value)) out.push(typeInvalid(field, value, schema.format!, value));
  return out;
}

function enumCause(field: string, value: unknown, allowed: unknown[]): StatusCause | undefined {
  const json = JSON.stringify(value);
  if (allowed.some((e) => JSON.stringify(e) === json)) return undefined;
  const supported = allowed.map((e) => JSON.stringify(typeof e === 'string' ? e : JSON.stringify(e)));
  return { reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${rendered(value)}: supported values: ${supported.join(', ')}` };
}

/** Causes of `value` against `schema`; `path` is the field path so far (empty at the root). */
export function schemaCauses(value: unknown, schema: SchemaNode | undefined, path = ''): StatusCause[] {
  if (!schema || value === undefined || (schema.preserveUnknownFields && !schema.properties && !schema.type)) return [];
  const causes: StatusCause[] = [];
  const actual = typeOf(value);
  const field = path.replace(/^\./, '');
  if (value === null) {
    // Nulls of non-nullable fields were pruned or defaulted before validation; one left is the root's.
    if (!schema.nullable && schema.type) causes.push(typeInvalid(field, 'null', schema.type, 'null'));
    return causes;
  }
  if (schema.intOrString) {
    if (actual !== 'integer' && actual !== 'string') return [typeInvalid(field, actual, 'integer,string', actual)];
  } else if (schema.type && actual !== schema.type && !(schema.type === 'number' && actual === 'integer')) {
    return [typeInvalid(field, actual, schema.type, actual)];
  }
  const c = schema.checks;
  if (typeof value === 'string') causes.push(...stringCauses(field, value, schema));
  else if (typeof value === 'number') causes.push(...numberCauses(field, value, schema));
  if (schema.enum) {
    const cause = enumCause(field, value, schema.enum);
    if (cause) causes.push(cause);
  }
  if (Array.isArray(value)) {
    if (c?.maxItems !== undefined && value.length > c.maxItems) causes.push(tooMany(field, value.length, c.maxItems));
    if (c?.minItems !== undefined && value.length < c.minItems) causes.push(invalid(field, value.length, `should have at least ${c.minItems} items`));
    if (schema.items) value.forEach((item, i) => causes.push(...schemaCauses(item, schema.items, `${path}[${i}]`)));
  }
  if (isObj(value)) causes.push(...objectCauses(value, schema, path, field));
  return causes;
}

function objectCauses(value: Record<string, unknown>, schema: SchemaNode, path: string, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const c = schema.checks;
  const root = path === '';
  if (!root && c) {
    const count = Object.keys(value).length;
    if (c.maxProperties !== undefined && count > c.maxProperties) causes.push(tooMany(field, count, c.maxProperties));
    if (c.minProperties !== undefined && count < c.minProperties) causes.push(invalid(field, count, `should have at least ${c.minProperties} properties`));
  }
  for (const req of schema.required ?? []) {
    if (root && req === 'metadata') continue;
    if (value[req] === undefined) causes.push({ reason: 'FieldValueRequired', field: `${field ? `${field}.` : ''}${req}`, message: 'Required value' });
  }
  for (const [k, v] of Object.entries(value)) {
    if (root && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
    const child = schema.properties?.[k] ?? schema.additional;
    if (child) causes.push(...schemaCauses(v, child, `${path}.${k}`));
  }
  return causes;
}
