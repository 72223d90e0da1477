import { Optional } from '@marcbachmann/cel-js';
import type { Obj, ResourceInfo, StatusCause } from '../contracts.ts';
import { CelCompileError, CelEvalError, compile, toCel } from './cel/env.ts';
import { undefinedFields } from './cel/schemacheck.ts';
import type { Cluster } from './cluster.ts';
import { isObj } from './util.ts';

/**
 * CRD `x-kubernetes-validations` (apiextensions-apiserver pkg/apiserver/schema/cel): rules compile
 * when the CRD is written (a rule that does not compile is the CRD's 422), and run on every custom
 * resource write at the schema node that declares them, with `self` (and `oldSelf` on updates where
 * an old value exists). Failures read as Kubernetes 1.34 words them: `spec: Invalid value:
 * "object": <message>` (the value is the schema type; 1.35 changed that).
 */

const VARS = ['self', 'oldSelf'] as const;
const OPTIONAL_VARS = ['self', 'oldSelf?'] as const;
const REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
const varsOf = (r: Rule): readonly string[] => (r.optionalOldSelf === true ? OPTIONAL_VARS : VARS);

interface Rule { rule?: unknown; message?: unknown; messageExpression?: unknown; reason?: unknown; fieldPath?: unknown; optionalOldSelf?: unknown }

const rulesOf = (schema: Obj): Rule[] => (Array.isArray(schema['x-kubernetes-validations']) ? (schema['x-kubernetes-validations'] as Rule[]) : []);

/** Go's %#v of apiextensions.ValidationRule, as the CRD's field error shows it. */
function goRule(r: Rule): string {
  const str = (v: unknown): string => JSON.stringify(typeof v === 'string' ? v : '');
  const ptr = (type: string, v: unknown): string => `(*${type})(${v === undefined || v === null ? 'nil' : '0xc000a1b2c0'})`;
  return `apiextensions.ValidationRule{Rule:${str(r.rule)}, Message:${str(r.message)}, MessageExpression:${str(r.messageExpression)}, Reason:${ptr('apiextensions.FieldValueErrorReason', r.reason)}, FieldPath:${str(r.fieldPath)}, OptionalOldSelf:${ptr('bool', r.optionalOldSelf)}}`;
}

/** Walks a schema's nodes with their CRD field paths (`properties[spec]`, `items`, `additionalProperties`). */
function walkSchema(schema: unknown, path: string, visit: (node: Obj, path: string) => void): void {
  if (!isObj(schema)) return;
  visit(schema, path);
  if (isObj(schema.properties)) for (const [k, v] of Object.entries(schema.properties)) walkSchema(v, `${path}.properties[${k}]`, visit);
  if (isObj(schema.items)) walkSchema(schema.items, `${path}.items`, visit);
  if (isObj(schema.additionalProperties)) walkSchema(schema.additionalProperties, `${path}.additionalProperties`, visit);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) (schema[key] as unknown[]).forEach((s, i) => walkSchema(s, `${path}.${key}[${i}]`, visit));
  }
}

/** `compilation failed: …` for an expression that does not compile against the node's schema, else undefined. */
function compileAgainst(expression: string, vars: readonly string[], schema: Obj, root: boolean): string | undefined {
  try {
    const program = compile(expression, vars);
    const issues = undefinedFields(expression, program.ast, schema, root);
    return issues.length > 0 ? `compilation failed: ${issues.join('\n')}` : undefined;
  } catch (err) {
    if (err instanceof CelCompileError) return err.message;
    throw err;
  }
}

/** The 422 causes of a CRD whose rules do not compile (ValidateCustomResourceDefinition). */
export function crdRuleCauses(info: ResourceInfo, crd: Obj): StatusCause[] {
  if (info.group !== 'apiextensions.k8s.io' || info.resource !== 'customresourcedefinitions') return [];
  const versions = Array.isArray((crd.spec as Obj | undefined)?.versions) ? ((crd.spec as Obj).versions as Obj[]) : [];
  const schemas = versions.map((v) => (isObj(v.schema) ? v.schema.openAPIV3Schema : undefined));
  // The internal version hoists a schema every version shares to spec.validation, and paths say so.
  const shared = schemas.length > 0 && schemas.every((s) => JSON.stringify(s) === JSON.stringify(schemas[0]));
  const roots = shared ? [{ schema: schemas[0], path: 'spec.validation.openAPIV3Schema' }] : schemas.map((schema, i) => ({ schema, path: `spec.versions[${i}].schema.openAPIV3Schema` }));
  const causes: StatusCause[] = [];
  for (const root of roots) {
    walkSchema(root.schema, root.path, (node, path) => {
      rulesOf(node).forEach((r, i) => {
        const at = `${path}.x-kubernetes-validations[${i}]`;
        if (typeof r.rule !== 'string' || !r.rule.trim()) {
          causes.push({ reason: 'FieldValueRequired', field: `${at}.rule`, message: 'Required value' });
          return;
        }
        if (r.reason !== undefined && !REASONS.includes(String(r.reason))) causes.push({ reason: 'FieldValueNotSupported', field: `${at}.reason`, message: `Unsupported value: ${JSON.stringify(r.reason)}: supported values: ${REASONS.map((x) => JSON.stringify(x)).join(', ')}` });
        const failure = compileAgainst(r.rule, varsOf(r), node, path === root.path);
        if (failure) causes.push({ reason: 'FieldValueInvalid', field: `${at}.rule`, message: `Invalid value: ${goRule(r)}: ${failure}` });
        if (typeof r.messageExpression === 'string' && r.messageExpression.trim()) {
          const mfailure = compileAgainst(r.messageExpression, varsOf(r), node, path === root.path);
          if (mfailure) causes.push({ reason: 'FieldValueInvalid', field: `${at}.messageExpression`, message: `Invalid value: ${goRule(r)}: messageExpression ${mfailure}` });
        }
      });
    });
  }
  return causes;
}

interface Ctx { causes: StatusCause[] }

function ruleText(r: Rule): string {
  return typeof r.message === 'string' && r.message.trim() ? r.message.trim() : String(r.rule).trim();
}

/** fieldPath (`.spec.x`, `['a.b']`) as field.Path renders it below the rule's node. */
function childPath(base: string, fieldPath: string): string {
  const rel = fieldPath.replace(/^\./, '').replace(/\['((?:[^'\\]|\\.)*)'\]/g, '[$1]');
  return base === '<nil>' ? rel : `${base}.${rel}`;
}

function usesOldSelf(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

function evaluateRules(schema: Obj, value: unknown, old: unknown, path: string, ctx: Ctx): void {
  const type = typeof schema.type === 'string' ? schema.type : '';
  const shown = JSON.stringify(type);
  let self: unknown;
  let oldSelf: unknown;
  for (const r of rulesOf(schema)) {
    if (typeof r.rule !== 'string') continue;
    const optional = r.optionalOldSelf === true;
    if (usesOldSelf(r.rule) && old === undefined && !optional) continue;
    self ??= toCel(value);
    if (oldSelf === undefined && old !== undefined) oldSelf = toCel(old);
    // With optionalOldSelf the rule sees an optional (`oldSelf.hasValue()`, `oldSelf.value()`).
    const vars = { self, oldSelf: optional ? (old === undefined ? Optional.none() : Optional.of(oldSelf)) : oldSelf ?? null };
    let ok: unknown;
    try {
      ok = compile(r.rule, varsOf(r)).run(vars);
    } catch (err) {
      const msg = err instanceof CelEvalError ? err.message : (err as Error).message;
      const detail = msg === 'no such overload' ? `'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${ruleText(r)}` : err instanceof CelCompileError ? `rule compile error: ${msg}` : `${msg} evaluating rule: ${ruleText(r)}`;
      ctx.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${shown}: ${detail}` });
      continue;
    }
    if (ok === true) continue;
    let detail = '';
    if (typeof r.messageExpression === 'string' && r.messageExpression.trim()) {
      try {
        const m = compile(r.messageExpression, varsOf(r)).run(vars);
        if (typeof m === 'string' && m.trim() && !m.includes('\n')) detail = m.trim();
      } catch { /* the real validator logs it and falls back to the message */ }
    }
    if (!detail) detail = typeof r.message === 'string' && r.message.trim() ? r.message.trim() : `failed rule: ${String(r.rule).trim()}`;
    const field = typeof r.fieldPath === 'string' && r.fieldPath ? childPath(path, r.fieldPath) : path;
    if (r.reason === 'FieldValueForbidden') ctx.causes.push({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
    else if (r.reason === 'FieldValueRequired') ctx.causes.push({ reason: 'FieldValueRequired', field, message: `Required value: ${detail}` });
    else if (r.reason === 'FieldValueDuplicate') ctx.causes.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${shown}` });
    else ctx.causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${detail}` });
  }
}

const join = (path: string, key: string): string => (path === '<nil>' ? key : `${path}.${key}`);

/** Old items of a list correlate by key only for `x-kubernetes-list-type: map` (and sets by value). */
function oldItem(schema: Obj, item: unknown, oldList: unknown): unknown {
  if (!Array.isArray(oldList)) return undefined;
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'map' && isObj(item)) {
    const keys = Array.isArray(schema['x-kubernetes-list-map-keys']) ? (schema['x-kubernetes-list-map-keys'] as string[]) : [];
    return oldList.find((o) => isObj(o) && keys.every((k) => JSON.stringify(o[k]) === JSON.stringify(item[k])));
  }
  if (listType === 'set') return oldList.find((o) => JSON.stringify(o) === JSON.stringify(item));
  return undefined;
}

function walkValue(schema: unknown, value: unknown, old: unknown, path: string, ctx: Ctx): void {
  if (!isObj(schema) || value === undefined || value === null) return;
  evaluateRules(schema, value, old, path, ctx);
  if (Array.isArray(value) && isObj(schema.items)) {
    value.forEach((item, i) => walkValue(schema.items, item, oldItem(schema, item, old), `${path === '<nil>' ? '' : path}[${i}]`, ctx));
  } else if (isObj(value)) {
    const oldObj = isObj(old) ? old : undefined;
    for (const [k, v] of Object.entries(value)) {
      const prop = isObj(schema.properties) ? schema.properties[k] : undefined;
      if (prop) walkValue(prop, v, oldObj?.[k], join(path, k), ctx);
      else if (isObj(schema.additionalProperties)) walkValue(schema.additionalProperties, v, oldObj?.[k], `${path === '<nil>' ? '' : path}[${k}]`, ctx);
    }
  }
}

const hasRules = new WeakMap<Obj, boolean>();

function anyRules(schema: Obj): boolean {
  let found = hasRules.get(schema);
  if (found === undefined) {
    found = false;
    walkSchema(schema, '', (node) => { if (rulesOf(node).length > 0) found = true; });
    hasRules.set(schema, found);
  }
  return found;
}

/** The version's raw openAPIV3Schema from the stored CRD. */
function rawSchema(cluster: Cluster, info: ResourceInfo): Obj | undefined {
  const crdInfo = cluster.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  const crd = crdInfo ? cluster.store.get(crdInfo, undefined, `${info.resource}.${info.group}`) : undefined;
  const versions = Array.isArray((crd?.spec as Obj | undefined)?.versions) ? ((crd!.spec as Obj).versions as Obj[]) : [];
  const schema = versions.find((v) => v.name === info.version)?.schema;
  return isObj(schema) && isObj(schema.openAPIV3Schema) ? schema.openAPIV3Schema : undefined;
}

/**
 * The rule failures of a custom resource write; none are run when schema validation already found
 * a type error (hasBlockingErr), which adds the real note instead.
 */
export function customRuleCauses(cluster: Cluster, info: ResourceInfo, obj: Obj, old: Obj | undefined, earlier: StatusCause[]): StatusCause[] {
  if (!info.custom) return [];
  const schema = rawSchema(cluster, info);
  if (!schema || !anyRules(schema)) return [];
  if (earlier.some((c) => c.reason === 'FieldValueTypeInvalid')) {
    return [{ reason: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation' }];
  }
  const ctx: Ctx = { causes: [] };
  walkValue(schema, obj, old, '<nil>', ctx);
  return ctx.causes;
}
