import type { Obj, SchemaNode } from '../contracts.ts';

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A node that says nothing about its content (JSON, RawExtension, untyped CRD fields) accepts anything. */
function untyped(schema: SchemaNode): boolean {
  return !schema.type && !schema.properties && !schema.additional && !schema.items;
}

/**
 * Paths (`.spec.foo`, `.spec.containers[0].bar`) of fields the schema does not declare, as the
 * real server's strict decoding reports them for `fieldValidation=Strict|Warn`. Fields under
 * `x-kubernetes-preserve-unknown-fields` are kept, except where nested properties are declared.
 */
export function unknownFields(obj: unknown, schema: SchemaNode | undefined): string[] {
  const out: string[] = [];
  walkUnknown(obj, schema, '', out);
  return out;
}

function walkUnknown(value: unknown, schema: SchemaNode | undefined, path: string, out: string[]): void {
  if (!schema || value === null || value === undefined || untyped(schema) || schema.intOrString) return;
  if (Array.isArray(value)) {
    if (!schema.items) return;
    value.forEach((item, i) => walkUnknown(item, schema.items, `${path}[${i}]`, out));
    return;
  }
  if (!isObj(value)) return;
  const props = schema.properties;
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key}`;
    const declared = props?.[key];
    if (declared) walkUnknown(child, declared, childPath, out);
    else if (schema.additional) walkUnknown(child, schema.additional, childPath, out);
    else if (!schema.preserveUnknownFields && props) out.push(childPath);
  }
}

export interface RequiredMissing {
  /** Field path as validation errors print it, e.g. `spec.selector`, `spec.template.spec.containers[0].name`. */
  field: string;
  /** `Required value`, the message of a FieldValueRequired cause. */
  message: string;
}

/**
 * Required fields missing from an object (checked on the merged, defaulted object, so partial
 * applies are legal). The root `status` is skipped: controllers own it and it is validated apart.
 */
export function requiredMissing(obj: Obj, schema: SchemaNode | undefined): RequiredMissing[] {
  const out: RequiredMissing[] = [];
  if (!schema) return out;
  for (const req of schema.required ?? []) {
    if (obj[req] === undefined || obj[req] === null) out.push({ field: req, message: 'Required value' });
  }
  for (const [key, child] of Object.entries(obj)) {
    if (key === 'status') continue;
    walkRequired(child, schema.properties?.[key] ?? schema.additional, key, out);
  }
  return out;
}

function walkRequired(value: unknown, schema: SchemaNode | undefined, path: string, out: RequiredMissing[]): void {
  if (!schema || value === null || value === undefined || schema.intOrString) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => walkRequired(item, schema.items, `${path}[${i}]`, out));
    return;
  }
  if (!isObj(value)) return;
  for (const req of schema.required ?? []) {
    if (value[req] === undefined || value[req] === null) out.push({ field: `${path}.${req}`, message: 'Required value' });
  }
  for (const [key, child] of Object.entries(value)) {
    const declared = schema.properties?.[key];
    if (declared) walkRequired(child, declared, `${path}.${key}`, out);
    else if (schema.additional) walkRequired(child, schema.additional, `${path}[${key}]`, out);
  }
}
