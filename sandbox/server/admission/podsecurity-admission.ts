import { ApiError, type Obj, type ResourceInfo } from '../../contracts.ts';
import type { Cluster } from '../cluster.ts';
import { metaOf } from '../store.ts';
import { isObj, jsonEqual } from '../util.ts';
import { evaluatePodSecurity, type Level } from './podsecurity.ts';

/**
 * PodSecurity admission (staging/src/k8s.io/pod-security-admission/admission/admission.go) from
 * the namespace's `pod-security.kubernetes.io/{enforce,warn,audit}[-version]` labels: Pods are
 * refused by enforce and warned about by warn; workload templates are only warned about (the real
 * plugin never enforces on them, their Pods are refused when the controller creates them); raising
 * a namespace's enforce level warns about the Pods already there.
 */
interface LevelVersion { level: Level; version: string }
interface Policy { enforce: LevelVersion; warn: LevelVersion; audit: LevelVersion }

const PREFIX = 'pod-security.kubernetes.io/';
const levels = new Set<string>(['privileged', 'baseline', 'restricted']);
const versionPattern = /^(latest|v1\.(0|[1-9][0-9]*))$/;
const privileged = (p: Policy): boolean => p.enforce.level === 'privileged' && p.warn.level === 'privileged' && p.audit.level === 'privileged';
const lv = (l: LevelVersion): string => `${l.level}:${l.version}`;

/**
 * api.PolicyToEvaluate: unset labels mean privileged:latest (the default configuration); an
 * unparseable enforce level fails closed (restricted), warn and audit fail open, a bad version is latest.
 */
function policyOf(labels: Record<string, string> | undefined): Policy | null {
  if (!labels || !Object.keys(labels).some((k) => k.startsWith(PREFIX))) return null;
  const mode = (m: string): LevelVersion => {
    const level = labels[PREFIX + m];
    const version = labels[`${PREFIX}${m}-version`];
    const parsed = level === undefined ? 'privileged' : levels.has(level) ? level as Level : m === 'enforce' ? 'restricted' : 'privileged';
    return { level: parsed, version: version && versionPattern.test(version) ? version : 'latest' };
  };
  const policy = { enforce: mode('enforce'), warn: mode('warn'), audit: mode('audit') };
  return privileged(policy) ? null : policy;
}

// Keyed by the stored Namespace object, which a write replaces: a label change is never served stale,
// and Pods in namespaces without labels pay one map lookup.
const cache = new WeakMap<Obj, Policy | null>();

function namespacePolicy(cluster: Cluster, namespace: string): Policy | null {
  const nsInfo = cluster.registry.lookup('', 'v1', 'namespaces');
  const ns = nsInfo && cluster.store.get(nsInfo, undefined, namespace);
  if (!ns) return null;
  let policy = cache.get(ns);
  if (policy === undefined) {
    policy = policyOf(metaOf(ns).labels as Record<string, string> | undefined);
    cache.set(ns, policy);
  }
  return policy;
}

/** AggregateCheckResult.ForbiddenDetail, or undefined when the spec passes the level. */
function forbiddenDetail(level: LevelVersion, spec: Obj): string | undefined {
  if (level.level === 'privileged') return undefined;
  const results = evaluatePodSecurity(level.level, spec);
  return results.length ? results.map((r) => `${r.reason} (${r.detail})`).join(', ') : undefined;
}

/** PodSpecExtractor: the Pod template of the workload kinds the real plugin knows. */
function templateSpec(info: ResourceInfo, o: Obj): Obj | undefined {
  const at = (v: unknown, ...path: string[]): Obj | undefined => {
    let cur = v;
    for (const k of path) cur = isObj(cur) ? cur[k] : undefined;
    return isObj(cur) ? cur : undefined;
  };
  const key = `${info.group}/${info.resource}`;
  switch (key) {
    case 'apps/deployments': case 'apps/replicasets': case 'apps/statefulsets': case 'apps/daemonsets': case 'batch/jobs': case '/replicationcontrollers':
      return at(o, 'spec', 'template', 'spec');
    case 'batch/cronjobs': return at(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec');
    case '/podtemplates': return at(o, 'template', 'spec');
    default: return undefined;
  }
}

export interface PodSecurityRequest {
  /** `Warning:` header texts of the request; absent for the cluster's own writes (controllers). */
  warnings?: string[];
  subresource?: string;
}

/** The plugin's Validate for Pods, Pod controllers and Namespaces. */
export function admitPodSecurity(cluster: Cluster, info: ResourceInfo, next: Obj, old: Obj | undefined, req: PodSecurityRequest): void {
  if (info.group === '' && info.resource === 'namespaces') {
    if (old && !req.subresource && req.warnings) req.warnings.push(...namespaceWarnings(cluster, next, old));
    return;
  }
  const isPod = info.group === '' && info.resource === 'pods';
  if (!isPod && req.subresource) return;
  const spec = isPod ? (isObj(next.spec) ? next.spec : {}) : templateSpec(info, next);
  if (!spec) return;
  // isSignificantPodUpdate, simplified: any spec change counts; status and metadata writes do not.
  if (isPod && old && jsonEqual(old.spec, next.spec)) return;
  const policy = namespacePolicy(cluster, String(metaOf(next).namespace ?? ''));
  if (!policy) return;
  if (isPod) {
    const detail = forbiddenDetail(policy.enforce, spec);
    if (detail) {
      const name = String(metaOf(next).name ?? '');
      throw new ApiError(403, 'Forbidden', `pods "${name}" is forbidden: violates PodSecurity "${lv(policy.enforce)}": ${detail}`, { name, kind: 'pods' });
    }
  }
  const warn = req.warnings && forbiddenDetail(policy.warn, spec);
  if (warn) req.warnings?.push(`would violate PodSecurity "${lv(policy.warn)}": ${warn}`);
}

/** ValidateNamespace on update + EvaluatePodsInNamespace: existing Pods the new enforce level would refuse. */
function namespaceWarnings(cluster: Cluster, next: Obj, old: Obj): string[] {
  const now = policyOf(metaOf(next).labels as Record<string, string> | undefined)?.enforce;
  const before = policyOf(metaOf(old).labels as Record<string, string> | undefined)?.enforce ?? { level: 'privileged', version: 'latest' };
  if (!now || now.level === 'privileged' || (now.level === before.level && now.version === before.version)) return [];
  const rank = { privileged: 0, baseline: 1, restricted: 2 };
  if (now.version === before.version && rank[now.level] <= rank[before.level]) return [];
  const namespace = String(metaOf(next).name ?? '');
  const podInfo = cluster.registry.lookup('', 'v1', 'pods');
  const counts = new Map<string, { podName: string; count: number }>();
  for (const pod of podInfo ? cluster.store.list(podInfo, namespace) : []) {
    const results = evaluatePodSecurity(now.level, isObj(pod.spec) ? pod.spec : {});
    if (!results.length) continue;
    const reason = results.map((r) => r.reason).join(', ');
    const podName = String(metaOf(pod).name ?? '');
    const c = counts.get(reason);
    if (!c) counts.set(reason, { podName, count: 1 });
    else {
      c.count++;
      if (podName < c.podName) c.podName = podName;
    }
  }
  if (!counts.size) return [];
  const decorated = [...counts].map(([reason, c]) => {
    const others = c.count === 1 ? '' : c.count === 2 ? ' (and 1 other pod)' : ` (and ${c.count - 1} other pods)`;
    return `${c.podName}${others}: ${reason}`;
  }).sort();
  return [`existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${lv(now)}"`, ...decorated];
}
