import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { configSchema } from './schema.ts';
import { formatField, suggest, type ConfigIssue, type FieldPath } from './issues.ts';
import type { LocatedDocument } from './yaml-source.ts';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    // verbose: errors carry their parentSchema, where descriptions and x-errorMessage live.
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'x-errorMessage', schemaType: 'string' });
    compiled = ajv.compile(configSchema);
  }
  return compiled;
}

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  'x-errorMessage'?: string;
}

const CUSTOM_MESSAGE_KEYWORDS = new Set(['pattern', 'oneOf', 'anyOf', 'not', 'maxLength']);

/** "/apps/0/name" → ['apps', 0, 'name'], indexes where the data holds arrays. */
function toPath(pointer: string, data: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

const TYPE_NAMES: Record<string, string> = { object: 'a map', array: 'a list', string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false' };

function firstSentence(text: string | undefined): string {
  if (!text) return '';
  for (const match of text.matchAll(/[.:](?=\s|$)/g)) {
    // "e.g." and "i.e." do not end a sentence.
    if (/(e\.g|i\.e)$/.test(text.slice(0, match.index))) continue;
    return text.slice(0, match.index).trim();
  }
  return text.trim();
}

/** Drops errors that another error already explains better, so one mistake reads as one line. */
function prune(all: ErrorObject[]): ErrorObject[] {
  const unions = all.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'propertyNames');
  // Branch details of a union: the union's own message says what is expected.
  const errors = all.filter((e) => e.keyword !== 'if' && !unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`) && e.instancePath.startsWith(u.instancePath)));
  const unknown = errors.filter((e) => e.keyword === 'additionalProperties');
  const typeErrors = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return errors.filter((e) => {
    // A value of the wrong type: everything else said about it follows from that.
    if (e.keyword !== 'type' && typeErrors.has(e.instancePath)) return false;
    const sameObject = unknown.filter((u) => u.instancePath === e.instancePath);
    if (e.keyword === 'oneOf' && sameObject.length > 0) return false;
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const props = Object.keys((e.parentSchema as SchemaNode | undefined)?.properties ?? {});
      // "unknown field 'nmespace' — did you mean 'namespace'?" already covers the missing one.
      if (sameObject.some((u) => suggest((u.params as { additionalProperty: string }).additionalProperty, props) === missing)) return false;
    }
    return true;
  });
}

function describe(error: ErrorObject, data: unknown): { path: FieldPath; key?: string; message: string } {
  const path = toPath(error.instancePath, data);
  const parent = error.parentSchema as SchemaNode | undefined;
  const custom = parent?.['x-errorMessage'];
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(parent?.properties ?? {});
      const guess = suggest(field, known);
      const hint = guess ? ` — did you mean '${guess}'?` : ` (known fields: ${known.join(', ')})`;
      return { path, key: field, message: `unknown field '${field}'${hint}` };
    }
    case 'required': {
      const field = (error.params as { missingProperty: string }).missingProperty;
      const about = firstSentence(parent?.properties?.[field]?.description);
      return { path, message: `missing required field '${field}'${about ? ` (${about})` : ''}` };
    }
    case 'type': {
      const expected = String((error.params as { type: string }).type)
        .split(',')
        .map((t) => TYPE_NAMES[t] ?? t)
        .join(' or ');
      return { path, message: `must be ${expected}, not ${kindOf(error.data)}` };
    }
    case 'propertyNames': {
      const name = (error.params as { propertyName: string }).propertyName;
      return { path, key: name, message: `name '${name}' must use letters, digits, '-', '_' or '.', starting and ending with a letter or digit` };
    }
    case 'dependencies': {
      const p = error.params as { property: string; missingProperty: string };
      return { path, key: p.property, message: `'${p.property}' is only valid together with '${p.missingProperty}'` };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
      return { path, message: `must be one of ${allowed}` };
    }
    case 'not': {
      // not: {required: [a, b]} — point at the second of the conflicting fields.
      const conflicting = (parent as { not?: { required?: string[] } } | undefined)?.not?.required;
      return { path, key: conflicting?.at(-1), message: custom ?? error.message ?? 'conflicting fields' };
    }
    case 'minLength':
      if ((error.params as { limit: number }).limit === 1) return { path, message: 'must not be empty' };
      return { path, message: custom ?? error.message ?? 'too short' };
    case 'minimum':
    case 'maximum': {
      const limit = (error.params as { limit: number }).limit;
      return { path, message: `must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${limit}, not ${kindOf(error.data)}` };
    }
    case 'minItems':
      return { path, message: `must have at least ${(error.params as { limit: number }).limit} entry` };
    default:
      if (custom && CUSTOM_MESSAGE_KEYWORDS.has(error.keyword)) return { path, message: custom };
      return { path, message: error.message ?? `fails ${error.keyword}` };
  }
}

/** Validates one parsed driftless.yaml against the JSON Schema; issues carry file, line and field. */
export function validateAgainstSchema(doc: LocatedDocument, file: string): ConfigIssue[] {
  const validate = validator();
  if (validate(doc.data)) return [];
  const issues: ConfigIssue[] = [];
  const missing = new Map<string, { issue: ConfigIssue; fields: string[] }>();
  const seen = new Set<string>();
  for (const error of prune(validate.errors ?? [])) {
    const { path, key, message } = describe(error, doc.data);
    const issue = { file, line: doc.lineOf(path, key), field: formatField(key !== undefined ? [...path, key] : path), message };
    if (error.keyword === 'required') {
      // Several missing fields of one object read better as one line.
      const field = (error.params as { missingProperty: string }).missingProperty;
      const group = missing.get(error.instancePath);
      if (group) {
        group.fields.push(field);
        group.issue.message = `missing required fields ${group.fields.map((f) => `'${f}'`).join(', ')}`;
        continue;
      }
      missing.set(error.instancePath, { issue, fields: [field] });
    }
    // allErrors can report one fault twice through different schema routes.
    const id = `${issue.line}|${issue.field}|${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}
