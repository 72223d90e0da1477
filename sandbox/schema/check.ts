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
  walkUnknown(obj, schema, [], out);
  return out;
}

// Paths are kept as a stack of segments and joined only for the (rare) field they report.
function walkUnknown(value: unknown, schema: SchemaNode | undefined, path: string[], out: string[]): void {
  if (!schema || value === null || value === undefined || untyped(schema) || schema.intOrString) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    if (!items) return;
    for (let i = 0; i < value.length; i++) {
      path.push(`[${i}]`);
      walkUnknown(value[i], items, path, out);
      path.pop();
    }
    return;
  }
  if (!isObj(value)) return;
  const props = schema.properties;
  for (const key of Object.keys(value)) {
    const declared = props?.[key] ?? schema.additional;
    if (declared) {
      path.push(`.${key}`);
      walkUnknown(value[key], declared, path, out);
      path.pop();
    } else if (!schema.preserveUnknownFields && props) out.push(`${path.join('')}.${key}`);
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
    walkRequired(child, schema.properties?.[key] ?? schema.additional, [key], out);
  }
  return out;
}

function walkRequired(value: unknown, schema: SchemaNode | undefined, path: string[], out: RequiredMissing[]): void {
  if (!schema || value === null || value === undefined || schema.intOrString) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    if (!items) return;
    for (let i = 0; i < value.length; i++) {
      path.push(`[${i}]`);
      walkRequired(value[i], items, path, out);
      path.pop();
    }
    return;
  }
  if (!isObj(value)) return;
  for (const req of schema.required ?? []) {
    if (value[req] === undefined || value[req] === null) out.push({ field: `${path.join('')}.${req}`, message: 'Required value' });
  }
  const props = schema.properties;
  for (const key of Object.keys(value)) {
    const declared = props?.[key];
    const child = declared ?? schema.additional;
    if (!child) continue;
    path.push(declared ? `.${key}` : `[${key}]`);
    walkRequired(value[key], child, path, out);
    path.pop();
  }
}
