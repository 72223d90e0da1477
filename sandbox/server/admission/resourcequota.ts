import { ApiError, type Obj, type ResourceInfo } from '../../contracts.ts';
import { containerUsage, hardOf, kindOfQuotaResource, namespaceUsage, objectUsage, podResources, quotaTracks, type Kind, type Usage } from '../../lifecycle/quota.ts';
import { formatQuantity } from '../../schema/quantity.ts';
import type { Cluster } from '../cluster.ts';
import { metaOf } from '../store.ts';

/**
 * ResourceQuota admission (plugin/pkg/admission/resourcequota/controller.go) for creates: every
 * quota of the namespace whose `hard` names something the object is charged for must have room,
 * or the write is refused with the real 403. Usage is measured from the store at admission time
 * (the real plugin reads status.used and charges it at once), so a dry run checks without charging.
 */

/** Pod quotas on cpu or memory require each container to state them (validationSet). */
const validationSet = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/**
 * The name admission errors use: validating admission runs after name generation
 * (AdmissionToValidateObjectFunc), so a generateName create is refused under its generated name.
 */
export const admissionName = (obj: Obj): string => String(metaOf(obj).name ?? '');

/** prettyPrint: `name=value` sorted by name, joined by commas. */
const pretty = (u: Usage, names: string[]): string => [...names].sort().map((n) => `${n}=${formatQuantity(u.get(n) ?? { milli: 0, binary: false })}`).join(',');

function forbidden(info: ResourceInfo, obj: Obj, message: string): ApiError {
  const resource = info.group ? `${info.resource}.${info.group}` : info.resource;
  const name = admissionName(obj);
  return new ApiError(403, 'Forbidden', `${resource} "${name}" is forbidden: ${message}`, { name, group: info.group, kind: info.resource });
}

/** enforcePodContainerConstraints over init and app containers: `must specify limits.cpu for: a,b`. */
function missingCompute(pod: Obj, required: string[]): string | undefined {
  const need = required.filter((r) => validationSet.has(r));
  if (need.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  const spec = pod.spec as Obj | undefined;
  for (const key of ['containers', 'initContainers']) {
    const list = spec?.[key];
    if (!Array.isArray(list)) continue;
    for (const c of list as Obj[]) {
      const has = containerUsage(c);
      for (const r of need) if (!has.has(r)) missing.set(r, (missing.get(r) ?? new Set()).add(String(c.name ?? '')));
    }
  }
  if (missing.size === 0) return undefined;
  return `must specify ${[...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`).join('; ')}`;
}

export function checkResourceQuota(cluster: Cluster, info: ResourceInfo, obj: Obj): void {
  if (!info.namespaced) return;
  const namespace = metaOf(obj).namespace as string;
  const quotaInfo = cluster.registry.lookup('', 'v1', 'resourcequotas');
  if (!quotaInfo) return;
  const quotas = cluster.store.list(quotaInfo, namespace);
  if (quotas.length === 0) return;
  const kind: Kind = { group: info.group, resource: info.resource };
  const isPod = info.group === '' && info.resource === 'pods';
  const delta = objectUsage(kind, obj);
  const list = (k: Kind): Obj[] => {
    const found = cluster.registry.lookup(k.group, cluster.registry.preferred(k.group), k.resource);
    return found ? cluster.store.list(found, namespace) : [];
  };
  for (const quota of [...quotas].sort((a, b) => String(metaOf(a).name).localeCompare(String(metaOf(b).name)))) {
    // A scoped quota (Terminating, BestEffort, PriorityClass, …) constrains only the Pods in its scopes.
    if (!quotaTracks(quota, kind, obj)) continue;
    const hard = hardOf(quota);
    const quotaName = String(metaOf(quota).name);
    // The evaluator's MatchingResources: the quota names this kind of object is measured under.
    const matched = [...hard.keys()].filter((n) => {
      const k = kindOfQuotaResource(n);
      return k !== undefined && k.group === kind.group && k.resource === kind.resource && (!isPod || podResources.has(n));
    });
    if (matched.length === 0) continue;
    if (isPod) {
      const missing = missingCompute(obj, matched);
      if (missing) throw forbidden(info, obj, `failed quota: ${quotaName}: ${missing}`);
    }
    const requested = matched.filter((n) => delta.has(n));
    if (requested.length === 0) continue;
    const used = namespaceUsage(requested, list, (k, o) => quotaTracks(quota, k, o));
    const exceeded = requested.filter((n) => used.get(n)!.milli + delta.get(n)!.milli > hard.get(n)!.milli);
    if (exceeded.length === 0) continue;
    throw forbidden(info, obj, `exceeded quota: ${quotaName}, requested: ${pretty(delta, exceeded)}, used: ${pretty(used, exceeded)}, limited: ${pretty(hard, exceeded)}`);
  }
}
