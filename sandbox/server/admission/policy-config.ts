import type { Obj, ResourceInfo, StatusCause } from '../../contracts.ts';
import { CelCompileError, compile } from '../cel/env.ts';
import { isObj } from '../util.ts';
import { matchConditionVariables, policyVariables, webhookConditionVariables } from './policy.ts';

/**
 * What the API validation of admissionregistration objects checks about their CEL
 * (pkg/apis/admissionregistration/validation): expressions must compile, so that no broken policy,
 * binding or webhook configuration is ever stored.
 */

const GROUP = 'admissionregistration.k8s.io';
/** The reasons a validation may give (each with its status code). */
const REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized'];

/** field.Invalid of an expression that does not compile, as ValidateValidatingAdmissionPolicy reports it. */
function expressionCauses(list: unknown, path: string, key: string, vars: readonly string[]): StatusCause[] {
  const out: StatusCause[] = [];
  (Array.isArray(list) ? (list as Obj[]) : []).forEach((item, i) => {
    const expression = item[key];
    if (typeof expression !== 'string') return;
    if (!expression.trim()) {
      if (key === 'expression') out.push({ reason: 'FieldValueRequired', field: `${path}[${i}].${key}`, message: 'Required value' });
      return;
    }
    try { compile(expression, vars); } catch (err) {
      if (err instanceof CelCompileError) out.push({ reason: 'FieldValueInvalid', field: `${path}[${i}].${key}`, message: `Invalid value: ${JSON.stringify(expression)}: ${err.message}` });
    }
  });
  return out;
}

/**
 * The 422 causes of a ValidatingAdmissionPolicy, its binding, or a webhook configuration whose CEL
 * does not compile (or is missing what the API requires), so that no broken policy is stored.
 */
export function admissionConfigCauses(info: ResourceInfo, obj: Obj): StatusCause[] {
  if (info.group !== GROUP) return [];
  const spec = isObj(obj.spec) ? obj.spec : {};
  if (info.resource === 'validatingadmissionpolicies') {
    const causes: StatusCause[] = [];
    const validations = Array.isArray(spec.validations) ? spec.validations : [];
    const audits = Array.isArray(spec.auditAnnotations) ? spec.auditAnnotations : [];
    if (validations.length === 0 && audits.length === 0) causes.push({ reason: 'FieldValueRequired', field: 'spec.validations', message: 'Required value: validations or auditAnnotations must contain at least one item' });
    if (!isObj(spec.matchConstraints)) causes.push({ reason: 'FieldValueRequired', field: 'spec.matchConstraints', message: 'Required value' });
    (Array.isArray(spec.validations) ? (spec.validations as Obj[]) : []).forEach((v, i) => {
      if (v.reason !== undefined && !REASONS.includes(String(v.reason))) causes.push({ reason: 'FieldValueNotSupported', field: `spec.validations[${i}].reason`, message: `Unsupported value: ${JSON.stringify(v.reason)}: supported values: ${REASONS.map((x) => JSON.stringify(x)).join(', ')}` });
    });
    causes.push(...expressionCauses(spec.validations, 'spec.validations', 'expression', policyVariables));
    causes.push(...expressionCauses(spec.validations, 'spec.validations', 'messageExpression', policyVariables));
    causes.push(...expressionCauses(spec.matchConditions, 'spec.matchConditions', 'expression', matchConditionVariables));
    causes.push(...expressionCauses(spec.variables, 'spec.variables', 'expression', policyVariables));
    return causes;
  }
  if (info.resource === 'validatingadmissionpolicybindings') {
    const causes: StatusCause[] = [];
    if (!spec.policyName) causes.push({ reason: 'FieldValueRequired', field: 'spec.policyName', message: 'Required value' });
    const actions = Array.isArray(spec.validationActions) ? (spec.validationActions as unknown[]) : [];
    if (actions.length === 0) causes.push({ reason: 'FieldValueRequired', field: 'spec.validationActions', message: 'Required value: at least one validation action is required' });
    actions.forEach((act, i) => {
      if (!['Deny', 'Warn', 'Audit'].includes(String(act))) causes.push({ reason: 'FieldValueNotSupported', field: `spec.validationActions[${i}]`, message: `Unsupported value: ${JSON.stringify(act)}: supported values: "Audit", "Deny", "Warn"` });
    });
    if (actions.includes('Deny') && actions.includes('Warn')) causes.push({ reason: 'FieldValueInvalid', field: 'spec.validationActions', message: `Invalid value: []admissionregistration.ValidationAction{${actions.map((x) => JSON.stringify(String(x))).join(', ')}}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)` });
    return causes;
  }
  if (info.resource === 'validatingwebhookconfigurations' || info.resource === 'mutatingwebhookconfigurations') {
    const causes: StatusCause[] = [];
    (Array.isArray(obj.webhooks) ? (obj.webhooks as Obj[]) : []).forEach((hook, i) => {
      const conditions = Array.isArray(hook.matchConditions) ? hook.matchConditions : [];
      if (conditions.length > 64) causes.push({ reason: 'FieldValueTooMany', field: `webhooks[${i}].matchConditions`, message: `Too many: ${conditions.length}: must have at most 64 items` });
      causes.push(...expressionCauses(conditions, `webhooks[${i}].matchConditions`, 'expression', webhookConditionVariables));
    });
    return causes;
  }
  return [];
}
