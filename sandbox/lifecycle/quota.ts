// Quota usage of objects, as the evaluators of pkg/quota/v1/evaluator/core measure it. Shared by
// ResourceQuota admission (what a create would add) and the quota controller (status.used).
import type { Obj } from '../contracts.ts';
import { formatQuantity, parseQuantity, type Quantity } from '../schema/quantity.ts';
import { get, isObj, listAt, objAt, str } from './util.ts';

export type Usage = Map<string, Quantity>;
export interface Kind { group: string; resource: string }

const one = (): Quantity => ({ milli: 1000, binary: false });
/** Resources whose object count has a bare name besides `count/<resource>`. */
const counted = new Set(['configmaps', 'secrets', 'services', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);
/** Resources a Pod is charged for (podResources, without the extended and hugepage ones). */
export const podResources = new Set(['pods', 'cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'ephemeral-storage', 'requests.ephemeral-storage', 'limits.ephemeral-storage', 'count/pods']);
const serviceResources = new Set(['services', 'services.nodeports', 'services.loadbalancers', 'count/services']);
const claimResources = new Set(['persistentvolumeclaims', 'requests.storage', 'count/persistentvolumeclaims']);

export const countName = (k: Kind): string => (k.group ? `count/${k.resource}.${k.group}` : `count/${k.resource}`);

/** The kind a quota resource name is measured on (undefined: not modelled, never charged). */
export function kindOfQuotaResource(name: string): Kind | undefined {
  if (podResources.has(name)) return { group: '', resource: 'pods' };
  if (serviceResources.has(name)) return { group: '', resource: 'services' };
  if (claimResources.has(name)) return { group: '', resource: 'persistentvolumeclaims' };
  if (counted.has(name)) return { group: '', resource: name };
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
  }
  return undefined;
}

function add(usage: Usage, name: string, q: Quantity | undefined): void {
  if (!q) return;
  const current = usage.get(name);
  usage.set(name, current ? { milli: current.milli + q.milli, binary: current.binary } : { ...q });
}

function resourceList(v: unknown): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (!isObj(v)) return out;
  for (const [k, raw] of Object.entries(v)) {
    const q = parseQuantity(raw);
    if (q) out.set(k, q);
  }
  return out;
}

/** resourcehelper.PodRequests/PodLimits: containers summed, then the largest init container if more. */
function podTotals(pod: Obj, field: 'requests' | 'limits'): Map<string, Quantity> {
  const sum = new Map<string, Quantity>();
  for (const c of listAt(pod, 'spec', 'containers')) for (const [k, q] of resourceList(get(c, 'resources', field))) add(sum, k, q);
  for (const c of listAt(pod, 'spec', 'initContainers')) {
    for (const [k, q] of resourceList(get(c, 'resources', field))) {
      const current = sum.get(k);
      if (!current || q.milli > current.milli) sum.set(k, q);
    }
  }
  for (const [k, q] of resourceList(get(pod, 'spec', 'overhead'))) add(sum, k, q);
  return sum;
}

/** podComputeUsageHelper: the quota names a set of requests and limits is charged under. */
export function computeUsage(requests: Map<string, Quantity>, limits: Map<string, Quantity>): Usage {
  const out: Usage = new Map([['pods', one()]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) { out.set(r, req); out.set(`requests.${r}`, req); }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  return out;
}

export function containerUsage(c: Obj): Usage {
  return computeUsage(resourceList(get(c, 'resources', 'requests')), resourceList(get(c, 'resources', 'limits')));
}

/** QuotaV1Pod: terminal Pods (Failed, Succeeded) are charged only their object count. */
const podCharged = (pod: Obj): boolean => !['Failed', 'Succeeded'].includes(str(pod, 'status', 'phase') ?? '');

/** What one object adds to its namespace's usage. */
export function objectUsage(kind: Kind, o: Obj): Usage {
  const usage: Usage = new Map([[countName(kind), one()]]);
  if (kind.group !== '') return usage;
  if (counted.has(kind.resource)) usage.set(kind.resource, one());
  if (kind.resource === 'pods' && podCharged(o)) {
    for (const [k, q] of computeUsage(podTotals(o, 'requests'), podTotals(o, 'limits'))) usage.set(k, q);
  } else if (kind.resource === 'services') {
    const type = str(o, 'spec', 'type');
    if (type === 'LoadBalancer') usage.set('services.loadbalancers', one());
    const allocates = type === 'NodePort' || (type === 'LoadBalancer' && get(o, 'spec', 'allocateLoadBalancerNodePorts') !== false);
    const ports = listAt(o, 'spec', 'ports').length;
    if (allocates && ports > 0) usage.set('services.nodeports', { milli: ports * 1000, binary: false });
  } else if (kind.resource === 'persistentvolumeclaims') {
    const storage = parseQuantity(objAt(o, 'spec', 'resources', 'requests')?.storage);
    if (storage) usage.set('requests.storage', storage);
  }
  return usage;
}

/** Whether a quota tracks an object (filters usage to the quota's scopes). */
export type QuotaFilter = (kind: Kind, o: Obj) => boolean;

/** The usage of `names` over `objects` of one kind (names absent from every object count 0). */
export function sumUsage(kind: Kind, objects: Obj[], names: Iterable<string>, into: Usage = new Map(), filter?: QuotaFilter): Usage {
  const wanted = new Set(names);
  for (const n of wanted) if (!into.has(n)) into.set(n, { milli: 0, binary: false });
  for (const o of objects) {
    if (filter && !filter(kind, o)) continue;
    for (const [k, q] of objectUsage(kind, o)) {
      if (!wanted.has(k)) continue;
      const current = into.get(k)!;
      // Quantity.Add keeps the receiver's format: the first charged object's suffix style wins.
      into.set(k, current.milli === 0 ? { ...q } : { milli: current.milli + q.milli, binary: current.binary });
    }
  }
  return into;
}

/** A quota's `spec.hard` parsed (names in the given order, values that do not parse left out). */
export function hardOf(quota: Obj): Usage {
  return resourceList(get(quota, 'spec', 'hard'));
}

/** The usage a namespace has for a set of quota names, listing each kind once. */
export function namespaceUsage(names: Iterable<string>, list: (kind: Kind) => Obj[], filter?: QuotaFilter): Usage {
  const byKind = new Map<string, { kind: Kind; names: string[] }>();
  const usage: Usage = new Map();
  for (const n of names) {
    const kind = kindOfQuotaResource(n);
    if (!kind) { usage.set(n, { milli: 0, binary: false }); continue; }
    const key = `${kind.group}/${kind.resource}`;
    const entry = byKind.get(key) ?? { kind, names: [] };
    entry.names.push(n);
    byKind.set(key, entry);
  }
  for (const { kind, names: ns } of byKind.values()) sumUsage(kind, list(kind), ns, usage, filter);
  return usage;
}

export function usageJson(u: Usage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...u.keys()].sort()) out[k] = formatQuantity(u.get(k)!);
  return out;
}

interface ScopeRequirement { scopeName: string; operator: string; values: string[] }

/** getScopeSelectorsFromQuota: `scopes` as `Exists` requirements, then `scopeSelector.matchExpressions`; all must match. */
function scopesOf(quota: Obj): ScopeRequirement[] {
  const out: ScopeRequirement[] = [];
  for (const s of (get(quota, 'spec', 'scopes') as unknown[] | undefined) ?? []) out.push({ scopeName: String(s), operator: 'Exists', values: [] });
  for (const e of listAt(quota, 'spec', 'scopeSelector', 'matchExpressions')) {
    out.push({ scopeName: String(e.scopeName ?? ''), operator: String(e.operator ?? ''), values: Array.isArray(e.values) ? e.values.map(String) : [] });
  }
  return out;
}

/** v1qos.GetPodQOS == BestEffort: no container (init or app) requests or limits cpu or memory. */
function bestEffort(pod: Obj): boolean {
  const containers = [...listAt(pod, 'spec', 'containers'), ...listAt(pod, 'spec', 'initContainers')];
  return containers.every((c) => ['requests', 'limits'].every((f) => {
    const list = resourceList(get(c, 'resources', f));
    return !list.has('cpu') && !list.has('memory');
  }));
}

/** usesCrossNamespacePodAffinity: an affinity term names namespaces or has a namespaceSelector. */
function crossNamespaceAffinity(pod: Obj): boolean {
  const terms: Obj[] = [];
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    terms.push(...listAt(pod, 'spec', 'affinity', kind, 'requiredDuringSchedulingIgnoredDuringExecution'));
    for (const weighted of listAt(pod, 'spec', 'affinity', kind, 'preferredDuringSchedulingIgnoredDuringExecution')) {
      const term = get(weighted, 'podAffinityTerm');
      if (isObj(term)) terms.push(term);
    }
  }
  return terms.some((t) => (Array.isArray(t.namespaces) && t.namespaces.length > 0) || t.namespaceSelector !== undefined && t.namespaceSelector !== null);
}

/** podMatchesScopeFunc (pkg/quota/v1/evaluator/core/pods.go) for one requirement. */
function podMatchesScope(pod: Obj, r: ScopeRequirement): boolean {
  const deadline = get(pod, 'spec', 'activeDeadlineSeconds');
  switch (r.scopeName) {
    case 'Terminating': return typeof deadline === 'number' && deadline >= 0;
    case 'NotTerminating': return typeof deadline !== 'number';
    case 'BestEffort': return bestEffort(pod);
    case 'NotBestEffort': return !bestEffort(pod);
    case 'CrossNamespacePodAffinity': return crossNamespaceAffinity(pod);
    case 'PriorityClass': {
      // A label set {PriorityClass: <name>} (empty when the Pod names no class) against the requirement.
      const name = str(pod, 'spec', 'priorityClassName') ?? '';
      switch (r.operator) {
        case 'Exists': return name !== '';
        case 'DoesNotExist': return name === '';
        case 'In': return name !== '' && r.values.includes(name);
        case 'NotIn': return name === '' || !r.values.includes(name);
        default: return false;
      }
    }
    default: return false;
  }
}

/**
 * Whether a quota tracks an object: an unscoped one everything, a scoped one only Pods matching
 * every scope (other evaluators match no scope: MatchesNoScopeFunc).
 */
export function quotaTracks(quota: Obj, kind: Kind, o: Obj): boolean {
  const scopes = scopesOf(quota);
  if (scopes.length === 0) return true;
  if (kind.group !== '' || kind.resource !== 'pods') return false;
  return scopes.every((r) => podMatchesScope(o, r));
}
