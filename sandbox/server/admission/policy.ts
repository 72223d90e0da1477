import { ApiError, type Obj, type ResourceInfo } from '../../contracts.ts';
import { selectorMatches } from '../../lifecycle/util.ts';
import type { User } from '../auth.ts';
import { CelAuthorizer, clusterAuthorizers } from '../cel/authz.ts';
import { CelCompileError, CelEvalError, compile, toCel, type Program } from '../cel/env.ts';
import type { Cluster, WriteOptions } from '../cluster.ts';
import type { Pending } from './chain.ts';
import type { Attributes } from './webhooks.ts';
import { labelsOf } from '../selectors.ts';
import { qualified } from '../status.ts';
import { metaOf } from '../store.ts';
import { isObj, newUid } from '../util.ts';

/**
 * ValidatingAdmissionPolicy and its bindings (apiserver admission/plugin/policy/{generic,validating},
 * matching in policy/matching): every matching binding of a matching policy evaluates the policy's
 * CEL validations per param; failures are denied, warned or audited as the binding's
 * validationActions say, and the first denial is the 422 (or the validation's reason's code)
 * `ValidatingAdmissionPolicy 'p' with binding 'b' denied request: …`.
 */

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** What a policy sees of a request: the webhooks' attributes, less the options, plus the warnings it may add. */
export type PolicyAttributes = Omit<Attributes, 'options'> & { warnings?: string[] };

const GROUP = 'admissionregistration.k8s.io';
export const policyVariables = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables', 'authorizer'] as const;
export const matchConditionVariables = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer'] as const;

interface Compiled { key: string; programs: Map<string, Program | CelCompileError> }
const compiledPolicies = new WeakMap<Obj, Compiled>();

function program(policy: Obj, expression: string, vars: readonly string[]): Program | CelCompileError {
  let c = compiledPolicies.get(policy);
  if (!c) { c = { key: '', programs: new Map() }; compiledPolicies.set(policy, c); }
  const key = `${vars.length}:${expression}`;
  let p = c.programs.get(key);
  if (!p) {
    try { p = compile(expression, vars); } catch (err) { p = err instanceof CelCompileError ? err : new CelCompileError(String(err)); }
    c.programs.set(key, p);
  }
  return p;
}

const listed = (values: unknown, value: string): boolean => Array.isArray(values) && (values.includes('*') || values.includes(value));

/** One NamedRuleWithOperations (rules.Matcher, plus resourceNames); `equivalent` admits other versions of the same resource. */
function ruleMatches(cluster: Cluster, rule: Obj, a: PolicyAttributes, equivalent: boolean): boolean {
  if (!listed(rule.operations, a.operation) || !listed(rule.apiGroups, a.info.group)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && a.info.namespaced) return false;
  if (scope === 'Namespaced' && !a.info.namespaced) return false;
  if (Array.isArray(rule.resourceNames) && rule.resourceNames.length > 0 && !rule.resourceNames.includes(a.name)) return false;
  const resources = Array.isArray(rule.resources) ? (rule.resources as string[]) : [];
  const resourceOk = resources.some((r) => {
    const [res, sub] = r.split('/', 2) as [string, string | undefined];
    if (res !== '*' && res !== a.info.resource) return false;
    if (sub === undefined) return a.subresource === undefined;
    return sub === '*' || sub === a.subresource;
  });
  if (!resourceOk) return false;
  if (listed(rule.apiVersions, a.info.version)) return true;
  // matchPolicy Equivalent: the same group and resource through another served version.
  return equivalent && Array.isArray(rule.apiVersions) && (rule.apiVersions as string[]).some((v) => cluster.registry.lookup(a.info.group, v, a.info.resource) !== undefined);
}

function namespaceLabels(cluster: Cluster, a: PolicyAttributes): Record<string, string> | undefined {
  if (a.info.group === '' && a.info.resource === 'namespaces') return labelsOf(a.object ?? a.oldObject ?? {});
  if (!a.info.namespaced) return undefined;
  const ns = namespaceObjectOf(cluster, a.namespace);
  return ns ? labelsOf(ns) : {};
}

function namespaceObjectOf(cluster: Cluster, name: string | undefined): Obj | undefined {
  return name ? cluster.store.get(cluster.registry.lookup('', 'v1', 'namespaces')!, undefined, name) : undefined;
}

/** MatchResources (policy/matching): namespace and object selectors, then exclusions, then rules (none: everything). */
function resourcesMatch(cluster: Cluster, match: Obj | undefined, a: PolicyAttributes, requireRules: boolean): boolean {
  if (!match) return !requireRules;
  if (isObj(match.namespaceSelector)) {
    const labels = namespaceLabels(cluster, a);
    if (labels && !selectorMatches(match.namespaceSelector, labels)) return false;
  }
  if (isObj(match.objectSelector)) {
    const sel = match.objectSelector;
    if (!((a.object && selectorMatches(sel, labelsOf(a.object))) || (a.oldObject && selectorMatches(sel, labelsOf(a.oldObject))))) return false;
  }
  const equivalent = match.matchPolicy !== 'Exact';
  const exclude = Array.isArray(match.excludeResourceRules) ? (match.excludeResourceRules as Obj[]) : [];
  if (exclude.some((r) => ruleMatches(cluster, r, a, equivalent))) return false;
  const rules = Array.isArray(match.resourceRules) ? (match.resourceRules as Obj[]) : [];
  if (rules.length === 0) return !requireRules;
  return rules.some((r) => ruleMatches(cluster, r, a, equivalent));
}

export function requestOf(a: PolicyAttributes): Obj {
  const { info } = a;
  const kind = { group: info.group, version: info.version, kind: info.kind };
  const resource = { group: info.group, version: info.version, resource: info.resource };
  return {
    uid: newUid(), kind, resource, requestKind: kind, requestResource: resource,
    ...(a.subresource ? { subResource: a.subresource, requestSubResource: a.subresource } : {}),
    name: a.name, namespace: a.namespace ?? '', operation: a.operation,
    userInfo: { username: a.user.name, ...(a.user.uid ? { uid: a.user.uid } : {}), groups: a.user.groups },
    dryRun: a.dryRun,
  };
}

/** CreateNamespaceObject: the namespace's metadata (without managedFields), spec and status. */
function namespaceForCel(ns: Obj | undefined): Obj | null {
  if (!ns) return null;
  const { managedFields: _m, ...metadata } = metaOf(ns);
  return { metadata, spec: ns.spec ?? {}, status: ns.status ?? {} };
}

interface Decision { deny: boolean; message: string; reason?: string; error: boolean; index: number }

/** The params a binding evaluates with (generic.CollectParams); `[null]` without paramKind. */
function collectParams(cluster: Cluster, policy: Obj, binding: Obj, a: PolicyAttributes): Array<Obj | null> {
  const spec = policy.spec as Obj;
  const paramKind = isObj(spec.paramKind) ? spec.paramKind : undefined;
  const ref = isObj((binding.spec as Obj).paramRef) ? ((binding.spec as Obj).paramRef as Obj) : undefined;
  if (!paramKind || !ref) return [null];
  const info = cluster.registry.all().find((i) => (i.group ? `${i.group}/${i.version}` : i.version) === paramKind.apiVersion && i.kind === paramKind.kind);
  if (!info) throw new ConfigError(`failed to find resource referenced by paramKind: '${String(paramKind.apiVersion)}, Kind=${String(paramKind.kind)}'`, false);
  let namespace: string | undefined;
  if (info.namespaced) {
    namespace = typeof ref.namespace === 'string' && ref.namespace ? ref.namespace : a.namespace;
    if (!namespace) throw new ConfigError('cannot use namespaced paramRef in policy binding that matches cluster-scoped resources', true);
  }
  let params: Obj[] = [];
  if (typeof ref.name === 'string' && ref.name) {
    const p = cluster.store.get(info, namespace, ref.name);
    if (p) params = [cluster.view(info, p)];
  } else if (isObj(ref.selector)) {
    params = cluster.store.list(info, namespace).filter((o) => selectorMatches(ref.selector, labelsOf(o))).map((o) => cluster.view(info, o));
  }
  if (params.length === 0 && (ref.parameterNotFoundAction ?? 'Deny') === 'Deny') throw new ConfigError('no params found for policy binding with `Deny` parameterNotFoundAction', true);
  return params;
}

class ConfigError extends Error {
  constructor(message: string, readonly binding: boolean) { super(message); }
}

function runBool(p: Program | CelCompileError, vars: Record<string, unknown>): boolean {
  if (p instanceof CelCompileError) throw new CelEvalError(p.message);
  const v = p.run(vars);
  if (typeof v !== 'boolean') throw new CelEvalError('cel expression must evaluate to a bool');
  return v;
}

/** The variables of one evaluation; `variables.x` is computed on first use, as the real lazy composition does. */
function activation(policy: Obj, base: Record<string, unknown>): Record<string, unknown> {
  const spec = policy.spec as Obj;
  const variables: Record<string, unknown> = {};
  const vars = { ...base, variables };
  for (const v of Array.isArray(spec.variables) ? (spec.variables as Obj[]) : []) {
    const name = String(v.name);
    let memo: { value: unknown } | undefined;
    Object.defineProperty(variables, name, {
      enumerable: true,
      get: () => {
        if (!memo) {
          const p = program(policy, String(v.expression ?? ''), policyVariables);
          if (p instanceof CelCompileError) throw new CelEvalError(p.message);
          memo = { value: p.run(vars) };
        }
        return memo.value;
      },
    });
  }
  return vars;
}

/** Validator.Validate: matchConditions, then each validation, with messageExpression and reason. */
function validate(policy: Obj, vars: Record<string, unknown>): Decision[] {
  const spec = policy.spec as Obj;
  const fail = spec.failurePolicy !== 'Ignore';
  for (const mc of Array.isArray(spec.matchConditions) ? (spec.matchConditions as Obj[]) : []) {
    try {
      if (!runBool(program(policy, String(mc.expression ?? ''), policyVariables), vars)) return [];
    } catch (err) {
      return fail ? [{ deny: true, error: true, index: 0, message: `failed to evaluate match condition "${String(mc.name)}": ${(err as Error).message}` }] : [];
    }
  }
  const out: Decision[] = [];
  for (const [index, v] of (Array.isArray(spec.validations) ? (spec.validations as Obj[]) : []).entries()) {
    const expression = String(v.expression ?? '');
    let ok: boolean;
    try {
      ok = runBool(program(policy, expression, policyVariables), vars);
    } catch (err) {
      if (fail) out.push({ deny: true, error: true, index, message: `expression '${expression}' resulted in error: ${(err as Error).message}` });
      continue;
    }
    if (ok) continue;
    let message = '';
    if (typeof v.messageExpression === 'string' && v.messageExpression) {
      try {
        const p = program(policy, v.messageExpression, policyVariables);
        const m = p instanceof CelCompileError ? undefined : p.run(vars);
        if (typeof m === 'string' && !m.includes('\n') && m.trim().length <= 5120) message = m.trim();
      } catch { /* logged by the real server; the message falls back */ }
    }
    if (!message && typeof v.message === 'string') message = v.message.trim();
    if (!message) message = `failed expression: ${expression.trim()}`;
    out.push({ deny: true, error: false, index, message, reason: typeof v.reason === 'string' ? v.reason : 'Invalid' });
  }
  return out;
}

function codeOf(reason: string): number {
  return reason === 'Forbidden' ? 403 : reason === 'Unauthorized' ? 401 : reason === 'RequestEntityTooLarge' ? 413 : 422;
}

function listOf(cluster: Cluster, resource: string): Obj[] {
  const info = cluster.registry.lookup(GROUP, 'v1', resource);
  return info ? cluster.store.list(info) : [];
}

/**
 * Admits a request against every ValidatingAdmissionPolicy; throws the first denial, adds `Warn`
 * results to `a.warnings`. Costs one list of bindings when there are none.
 */
export function admitPolicies(cluster: Cluster, a: PolicyAttributes): void {
  const bindings = listOf(cluster, 'validatingadmissionpolicybindings');
  if (bindings.length === 0) return;
  const policies = new Map(listOf(cluster, 'validatingadmissionpolicies').map((p) => [String(metaOf(p).name), p]));
  const denied: Array<{ policy: string; binding?: string; message: string; reason: string }> = [];
  let request: Obj | undefined;
  let base: Record<string, unknown> | undefined;
  const sorted = [...bindings].sort((x, y) => String(metaOf(x).name).localeCompare(String(metaOf(y).name)));
  for (const [policyName, policy] of [...policies].sort(([x], [y]) => x.localeCompare(y))) {
    const spec = isObj(policy.spec) ? policy.spec : {};
    const mine = sorted.filter((b) => (b.spec as Obj | undefined)?.policyName === policyName);
    if (mine.length === 0) continue;
    if (!resourcesMatch(cluster, isObj(spec.matchConstraints) ? spec.matchConstraints : undefined, a, true)) continue;
    const fail = spec.failurePolicy !== 'Ignore';
    for (const binding of mine) {
      const bspec = binding.spec as Obj;
      const bindingName = String(metaOf(binding).name);
      if (!resourcesMatch(cluster, isObj(bspec.matchResources) ? bspec.matchResources : undefined, a, false)) continue;
      let params: Array<Obj | null>;
      try {
        params = collectParams(cluster, policy, binding, a);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        if (fail) denied.push({ policy: policyName, ...(err.binding ? { binding: bindingName } : {}), message: `failed to configure ${err.binding ? 'binding' : 'policy'}: ${err.message}`, reason: 'Invalid' });
        continue;
      }
      request ??= requestOf(a);
      base ??= {
        object: toCel(a.object ?? null), oldObject: toCel(a.oldObject ?? null), request: toCel(request),
        namespaceObject: toCel(a.info.namespaced && !(a.info.group === '' && a.info.resource === 'namespaces') ? namespaceForCel(namespaceObjectOf(cluster, a.namespace)) : null),
        authorizer: authorizerFor(cluster, a),
      };
      const actions = Array.isArray(bspec.validationActions) ? (bspec.validationActions as string[]) : [];
      for (const param of params) {
        for (const d of validate(policy, activation(policy, { ...base, params: toCel(param) }))) {
          if (actions.includes('Deny')) denied.push({ policy: policyName, binding: bindingName, message: d.message, reason: d.reason ?? 'Invalid' });
          if (actions.includes('Warn')) a.warnings?.push(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${d.message}`);
          if (actions.includes('Audit')) {
            // publishValidationFailureAnnotation: one failure per annotation value.
            const value = JSON.stringify([{ message: d.message, policy: policyName, binding: bindingName, expressionIndex: d.index, validationActions: actions }]);
            cluster.audit.record({ resource: a.info.resource, namespace: a.namespace ?? '', name: a.name, user: a.user.name, annotations: { 'validation.policy.admission.k8s.io/validation_failure': value } });
          }
        }
      }
    }
  }
  const first = denied[0];
  if (!first) return;
  const message = first.binding ? `ValidatingAdmissionPolicy '${first.policy}' with binding '${first.binding}' denied request: ${first.message}` : `ValidatingAdmissionPolicy '${first.policy}' denied request: ${first.message}`;
  const resource = qualified(a.info);
  throw new ApiError(codeOf(first.reason), first.reason, `${resource} "${a.name}" is forbidden: ${message}`, { name: a.name, group: a.info.group, kind: a.info.resource, causes: [{ reason: '', message }] });
}

/** The variables of webhooks' matchConditions. */
export const webhookConditionVariables = ['object', 'oldObject', 'request', 'authorizer'] as const;

/** CEL's `authorizer` for the request's user, answered by the cluster's RBAC. */
export function authorizerFor(cluster: Cluster, a: PolicyAttributes): CelAuthorizer {
  return new CelAuthorizer(clusterAuthorizers.get(cluster), a.user, { group: a.info.group, resource: a.info.resource, subresource: a.subresource, namespace: a.namespace, name: a.name });
}

/** The ValidatingAdmissionPolicy slot of the admission chain (chain.ts) for a create or update. */
export function admitPendingPolicies(cluster: Cluster, p: Pending): void {
  const meta = metaOf(p.next);
  admitPolicies(cluster, {
    info: p.info, subresource: p.opts.subresource, operation: p.old ? 'UPDATE' : 'CREATE',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined, name: String(meta.name ?? ''),
    object: p.next, oldObject: p.old ? cluster.view(p.info, p.old) : undefined, dryRun: p.opts.dryRun === true,
    user: p.opts.user ?? nobody, warnings: p.opts.warnings,
  });
}

/** A DELETE's turn (deletes do not pass through the chain): `oldObject` is the object going away. */
export function admitDeletePolicies(cluster: Cluster, info: ResourceInfo, old: Obj, opts: WriteOptions): void {
  const meta = metaOf(old);
  admitPolicies(cluster, {
    info, operation: 'DELETE', namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined, name: String(meta.name ?? ''),
    oldObject: old, dryRun: opts.dryRun === true, user: opts.user ?? nobody, warnings: opts.warnings,
  });
}

const nobody: User = { name: '', uid: '', groups: [] };
