import { ApiError, type Obj, type ResourceInfo } from '../../contracts.ts';
import type { Cluster } from '../cluster.ts';
import { metaOf } from '../store.ts';
import { isObj, jsonEqual } from '../util.ts';
import { evaluatePodSecurity, type Level } from './podsecurity.ts';

/** The plugin's exemptions (PodSecurityConfiguration `exemptions`), from the sandbox option `podSecurityExemptions`. */
export interface PodSecurityExemptions { usernames?: string[]; namespaces?: string[]; runtimeClasses?: string[] }

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

/** AggregateCheckResult.ForbiddenDetail, or undefined when the Pod passes the level at its version. */
function forbiddenDetail(level: LevelVersion, pod: PodParts): string | undefined {
  if (level.level === 'privileged') return undefined;
  const results = evaluatePodSecurity(level.level, pod.spec, level.version, pod.metadata);
  return results.length ? results.map((r) => `${r.reason} (${r.detail})`).join(', ') : undefined;
}

interface PodParts { spec: Obj; metadata: Obj }

/** PodSpecExtractor: the Pod template (metadata and spec) of the workload kinds the real plugin knows. */
function templateOf(info: ResourceInfo, o: Obj): PodParts | undefined {
  const template = templatePath(info, o);
  if (!template || !isObj(template.spec)) return undefined;
  return { spec: template.spec, metadata: isObj(template.metadata) ? template.metadata : {} };
}

function templatePath(info: ResourceInfo, o: Obj): Obj | undefined {
  const at = (v: unknown, ...path: string[]): Obj | undefined => {
    let cur = v;
    for (const k of path) cur = isObj(cur) ? cur[k] : undefined;
    return isObj(cur) ? cur : undefined;
  };
  const key = `${info.group}/${info.resource}`;
  switch (key) {
    case 'apps/deployments': case 'apps/replicasets': case 'apps/statefulsets': case 'apps/daemonsets': case 'batch/jobs': case '/replicationcontrollers':
      return at(o, 'spec', 'template');
    case 'batch/cronjobs': return at(o, 'spec', 'jobTemplate', 'spec', 'template');
    case '/podtemplates': return at(o, 'template');
    default: return undefined;
  }
}

export interface PodSecurityRequest {
  /** `Warning:` header texts of the request; absent for the cluster's own writes (controllers). */
  warnings?: string[];
  subresource?: string;
  /** The requesting user's name (exemptions by username); absent for the cluster's own writes. */
  user?: string;
}

/** The plugin's Validate for Pods, Pod controllers and Namespaces. */
export function admitPodSecurity(cluster: Cluster, info: ResourceInfo, next: Obj, old: Obj | undefined, req: PodSecurityRequest): void {
  if (info.group === '' && info.resource === 'namespaces') {
    if (old && !req.subresource && req.warnings) req.warnings.push(...namespaceWarnings(cluster, next, old));
    return;
  }
  const isPod = info.group === '' && info.resource === 'pods';
  if (!isPod && req.subresource) return;
  const pod = isPod ? { spec: isObj(next.spec) ? next.spec : {}, metadata: metaOf(next) } : templateOf(info, next);
  if (!pod) return;
  // isSignificantPodUpdate, simplified: any spec change counts; status and metadata writes do not.
  if (isPod && old && jsonEqual(old.spec, next.spec)) return;
  const namespace = String(metaOf(next).namespace ?? '');
  const policy = namespacePolicy(cluster, namespace);
  if (!policy) return;
  const audit = (annotations: Record<string, string>): void => cluster.audit.record({ resource: info.resource, namespace, name: String(metaOf(next).name ?? ''), ...(req.user ? { user: req.user } : {}), annotations });
  const exempt = exemption(cluster.podSecurityExemptions, namespace, req.user, pod.spec);
  if (exempt) {
    audit({ [`${PREFIX}exempt`]: exempt });
    return;
  }
  const annotations: Record<string, string> = isPod ? { [`${PREFIX}enforce-policy`]: lv(policy.enforce) } : {};
  if (isPod) {
    const detail = forbiddenDetail(policy.enforce, pod);
    if (detail) {
      audit(annotations);
      const name = String(metaOf(next).name ?? '');
      throw new ApiError(403, 'Forbidden', `pods "${name}" is forbidden: violates PodSecurity "${lv(policy.enforce)}": ${detail}`, { name, kind: 'pods' });
    }
  }
  const audited = forbiddenDetail(policy.audit, pod);
  if (audited) annotations[`${PREFIX}audit-violations`] = `would violate PodSecurity "${lv(policy.audit)}": ${audited}`;
  if (Object.keys(annotations).length) audit(annotations);
  const warn = req.warnings && forbiddenDetail(policy.warn, pod);
  if (warn) req.warnings?.push(`would violate PodSecurity "${lv(policy.warn)}": ${warn}`);
}

/** The exemption that applies (admission.go exemptNamespace/exemptUser/exemptRuntimeClass order), if any. */
function exemption(ex: PodSecurityExemptions, namespace: string, user: string | undefined, spec: Obj): string | undefined {
  if (ex.namespaces?.includes(namespace)) return 'namespace';
  if (user !== undefined && ex.usernames?.includes(user)) return 'user';
  if (typeof spec.runtimeClassName === 'string' && ex.runtimeClasses?.includes(spec.runtimeClassName)) return 'runtimeClass';
  return undefined;
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
    const results = evaluatePodSecurity(now.level, isObj(pod.spec) ? pod.spec : {}, now.version, metaOf(pod));
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
