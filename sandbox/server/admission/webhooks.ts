import { ApiError, type Obj, type ResourceInfo } from '../../contracts.ts';
import { selectorMatches } from '../../lifecycle/util.ts';
import type { User } from '../auth.ts';
import type { Cluster } from '../cluster.ts';
import { jsonPatch } from '../deps.ts';
import { labelsOf } from '../selectors.ts';
import { badRequest } from '../status.ts';
import { metaOf } from '../store.ts';
import { cloneJson } from '../../json.ts';
import { isObj, jsonEqual, newUid } from '../util.ts';
import { webhookConditionsMatch } from './matchconditions.ts';
import { CallError, post, target } from './webhook-call.ts';

/**
 * Dynamic admission webhooks (apiserver admission/plugin/webhook/{mutating,validating,generic}):
 * the mutating ones in name order and each webhook in turn, their JSONPatches applied to the
 * object, at the end of mutating admission; the validating ones in parallel after validation and
 * the built-in validating plugins. Denials and call failures give the real errors.
 */

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface Hook { name: string; config: string; mutating: boolean; spec: Obj }

export interface Attributes {
  info: ResourceInfo;
  subresource?: string;
  operation: Operation;
  namespace?: string;
  name: string;
  object?: Obj;
  oldObject?: Obj;
  dryRun: boolean;
  user: User;
  options: Obj;
}

const kinds = [['mutatingwebhookconfigurations', true], ['validatingwebhookconfigurations', false]] as const;

/** Every configured webhook whose rules name this operation on this resource (no object needed yet). */
export function candidateHooks(cluster: Cluster, info: ResourceInfo, subresource: string | undefined, operation: Operation): Hook[] {
  const found: Hook[] = [];
  for (const [resource, mutating] of kinds) {
    const typeInfo = cluster.registry.lookup('admissionregistration.k8s.io', 'v1', resource);
    const configs = typeInfo ? cluster.store.list(typeInfo) : [];
    if (configs.length === 0) continue;
    for (const config of [...configs].sort((a, b) => String(metaOf(a).name).localeCompare(String(metaOf(b).name)))) {
      for (const spec of (Array.isArray(config.webhooks) ? config.webhooks : []) as Obj[]) {
        if (rulesMatch(spec, info, subresource, operation)) found.push({ name: String(spec.name), config: String(metaOf(config).name), mutating, spec });
      }
    }
  }
  return found;
}

const listed = (values: unknown, value: string): boolean => Array.isArray(values) && (values.includes('*') || values.includes(value));

/** rules/rules.go Matcher: operations, groups, versions, resources (with `*` and subresources), scope. */
function rulesMatch(spec: Obj, info: ResourceInfo, subresource: string | undefined, operation: Operation): boolean {
  const rules = Array.isArray(spec.rules) ? (spec.rules as Obj[]) : [];
  return rules.some((rule) => {
    if (!listed(rule.operations, operation) || !listed(rule.apiGroups, info.group) || !listed(rule.apiVersions, info.version)) return false;
    const scope = rule.scope ?? '*';
    if (scope === 'Cluster' && info.namespaced) return false;
    if (scope === 'Namespaced' && !info.namespaced) return false;
    const resources = Array.isArray(rule.resources) ? (rule.resources as string[]) : [];
    return resources.some((r) => {
      const [res, sub] = r.split('/', 2) as [string, string | undefined];
      if (res !== '*' && res !== info.resource) return false;
      if (sub === undefined) return subresource === undefined;
      return sub === '*' || sub === subresource;
    });
  });
}

/** namespaceSelector (the namespace's labels, or a Namespace's own) and objectSelector (object or old object). */
function selectorsMatch(cluster: Cluster, hook: Hook, a: Attributes): boolean {
  const objectSelector = hook.spec.objectSelector;
  if (isObj(objectSelector) && !((a.object && selectorMatches(objectSelector, labelsOf(a.object))) || (a.oldObject && selectorMatches(objectSelector, labelsOf(a.oldObject))))) return false;
  const namespaceSelector = hook.spec.namespaceSelector;
  if (!isObj(namespaceSelector)) return true;
  const isNamespace = a.info.group === '' && a.info.resource === 'namespaces';
  if (isNamespace) return selectorMatches(namespaceSelector, labelsOf(a.object ?? a.oldObject ?? {}));
  if (!a.info.namespaced) return true;
  const ns = cluster.store.get(cluster.registry.lookup('', 'v1', 'namespaces')!, undefined, a.namespace ?? '');
  return selectorMatches(namespaceSelector, ns ? labelsOf(ns) : {});
}

function review(a: Attributes, uid: string): Obj {
  const { info } = a;
  const gvk = { group: info.group, version: info.version, kind: info.kind };
  const gvr = { group: info.group, version: info.version, resource: info.resource };
  return {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid, kind: gvk, resource: gvr, ...(a.subresource ? { subResource: a.subresource } : {}), requestKind: gvk, requestResource: gvr,
      ...(a.subresource ? { requestSubResource: a.subresource } : {}),
      name: a.name, ...(a.namespace ? { namespace: a.namespace } : {}), operation: a.operation,
      userInfo: { username: a.user.name, ...(a.user.uid ? { uid: a.user.uid } : {}), groups: a.user.groups },
      object: a.object ?? null, oldObject: a.oldObject ?? null, dryRun: a.dryRun, options: a.options,
    },
  };
}

/** ToStatusErr (webhook/errors/statuserror.go): the webhook's status with its code (at least 400). */
function denied(name: string, status: Obj | undefined): ApiError {
  const deniedBy = `admission webhook "${name}" denied the request`;
  const code = typeof status?.code === 'number' && status.code >= 400 ? status.code : 400;
  const message = typeof status?.message === 'string' && status.message ? `${deniedBy}: ${status.message}`
    : typeof status?.reason === 'string' && status.reason ? `${deniedBy}: ${status.reason}` : `${deniedBy} without explanation`;
  return new ApiError(code, typeof status?.reason === 'string' ? status.reason : '', message);
}

/** Calls one webhook; returns the patched object for a mutating one. */
async function callHook(cluster: Cluster, hook: Hook, a: Attributes): Promise<Obj | undefined> {
  const timeout = typeof hook.spec.timeoutSeconds === 'number' ? hook.spec.timeoutSeconds : 10;
  const clientConfig = isObj(hook.spec.clientConfig) ? hook.spec.clientConfig : {};
  const uid = newUid();
  const result = await post(target(cluster, clientConfig, timeout), typeof clientConfig.caBundle === 'string' ? clientConfig.caBundle : undefined, timeout, review(a, uid));
  const response = isObj(result.response) ? result.response : undefined;
  if (!response) throw new CallError('webhook response was absent', true);
  if (response.uid !== uid) throw new CallError(`expected response.uid="${uid}", got "${String(response.uid ?? '')}"`, true);
  if (response.allowed !== true) throw denied(hook.name, isObj(response.status) ? response.status : undefined);
  if (!hook.mutating || typeof response.patch !== 'string' || !a.object) return undefined;
  if (response.patchType !== 'JSONPatch') throw new CallError(response.patchType === undefined ? 'webhook returned response.patch but not response.patchType' : `webhook returned invalid response.patchType of "${String(response.patchType)}"`, true);
  try {
    const ops: unknown = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    if (!Array.isArray(ops)) throw new Error('the patch is not a JSON array');
    return jsonPatch(a.object, ops);
  } catch (err) {
    throw new CallError(`the server rejected our request due to an error in our request: ${(err as Error).message}`);
  }
}

/** Whether this webhook takes part, and under dry run whether it may (sideEffects None/NoneOnDryRun). */
function applies(cluster: Cluster, hook: Hook, a: Attributes): boolean {
  if (!selectorsMatch(cluster, hook, a) || !webhookConditionsMatch(cluster, hook.spec, a)) return false;
  const sideEffects = hook.spec.sideEffects;
  if (a.dryRun && sideEffects !== 'None' && sideEffects !== 'NoneOnDryRun') throw badRequest(`admission webhook "${hook.name}" does not support dry run`);
  return true;
}

/** One call under the webhook's failurePolicy: undefined when skipped (Ignore) or nothing patched. */
async function callUnderPolicy(cluster: Cluster, hook: Hook, a: Attributes): Promise<Obj | undefined> {
  try {
    return await callHook(cluster, hook, a);
  } catch (err) {
    if (!(err instanceof CallError)) throw err;
    if (hook.spec.failurePolicy === 'Ignore') return undefined;
    const message = `failed calling webhook "${hook.name}": ${err.invalid ? 'received invalid webhook response' : 'failed to call webhook'}: ${err.message}`;
    throw new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: '', message }] });
  }
}

/**
 * The mutating webhooks in order (configurations by name, webhooks in turn), each seeing the
 * object as the previous ones left it; what one returns is defaulted (`mutated`). Reinvocation as
 * admission/reinvocation.go and mutating/dispatcher.go do it: when a webhook changes the object,
 * the webhooks with `reinvocationPolicy: IfNeeded` called before it are due again, and the whole
 * mutating chain runs once more (`rerun`: the built-in mutating plugins again, then only the due
 * webhooks, plus those called since when the built-ins changed the object). At most one extra pass.
 */
export async function admitMutatingWebhooks(cluster: Cluster, hooks: Hook[], a: Attributes, mutated: (o: Obj, rerun: boolean) => Obj): Promise<Obj | undefined> {
  let object = a.object;
  const invokedReinvocable = new Set<Hook>();
  const due = new Set<Hook>();
  const requireReinvoke = (): void => {
    for (const h of invokedReinvocable) due.add(h);
    invokedReinvocable.clear();
  };
  let reinvoke = false;
  let lastOutput: Obj | undefined;
  for (const pass of [0, 1]) {
    if (pass === 1) {
      if (!reinvoke || !object) break;
      object = mutated(cloneJson(object), true);
      if (!jsonEqual(lastOutput, object)) requireReinvoke();
    }
    for (const hook of hooks) {
      if (!hook.mutating || (pass === 1 && !due.has(hook))) continue;
      const attrs = { ...a, object };
      if (!applies(cluster, hook, attrs)) continue;
      const patched = await callUnderPolicy(cluster, hook, attrs);
      if (patched && object) {
        const changed = !jsonEqual(patched, object);
        object = mutated(patched, false);
        if (changed) {
          requireReinvoke();
          reinvoke = true;
        }
      }
      if (hook.spec.reinvocationPolicy === 'IfNeeded') invokedReinvocable.add(hook);
    }
    lastOutput = object;
  }
  return object;
}

/**
 * The validating webhooks, called in parallel as validating/dispatcher.go does; when several
 * refuse, the first refusal to arrive is the answer (the real dispatcher returns its first error).
 */
export async function admitValidatingWebhooks(cluster: Cluster, hooks: Hook[], a: Attributes): Promise<void> {
  const calls = hooks.filter((h) => !h.mutating && applies(cluster, h, a));
  if (calls.length === 0) return;
  let first: unknown;
  await Promise.all(calls.map((hook) => callUnderPolicy(cluster, hook, a).then(() => undefined, (err: unknown) => {
    first ??= err;
  })));
  if (first !== undefined) throw first;
}
