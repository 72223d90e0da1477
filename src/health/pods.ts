import { isRecord } from '../core/objects.ts';
import type { KubeObject } from '../core/types.ts';
import type { ResourceType } from '../ports/cluster.ts';

export const podType: ResourceType = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
export const replicaSetType: ResourceType = { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true };
export const eventType: ResourceType = { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true };

/**
 * Kinds whose controller reports a Pod it could not create only as a `FailedCreate` Warning event
 * on the workload (the StatefulSet, DaemonSet and Job controllers set no condition for it).
 */
export const failedCreateReporters = new Set(['apps/StatefulSet', 'apps/DaemonSet', 'batch/Job']);

/** The field selector of a workload's FailedCreate events. */
export const failedCreateSelector = (workload: KubeObject): string => `involvedObject.uid=${String(workload.metadata.uid ?? '')},reason=FailedCreate`;

/** The latest FailedCreate event's message as `FailedCreate: <message>`, or undefined when there is none. */
export function failedCreate(events: KubeObject[]): string | undefined {
  const when = (e: KubeObject): string => String(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '');
  const latest = events.filter((e) => e.reason === 'FailedCreate').sort((a, b) => when(b).localeCompare(when(a)))[0];
  return latest ? `FailedCreate: ${String(latest.message ?? '')}`.replace(/: $/, '') : undefined;
}

/** Kinds whose pods say why a rollout is stuck. */
export const podOwners = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job']);

/**
 * The workload's spec.selector in the API's label selector syntax; undefined when it selects
 * nothing a LIST could express (no selector, or an unknown operator).
 */
export function selectorOf(obj: KubeObject): string | undefined {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const selector = isRecord(spec.selector) ? spec.selector : undefined;
  if (!selector) return undefined;
  const terms: string[] = [];
  const labels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(labels)) terms.push(`${k}=${String(v)}`);
  for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isRecord) : []) {
    const values = Array.isArray(e.values) ? e.values.map(String).join(',') : '';
    const key = String(e.key);
    if (e.operator === 'In') terms.push(`${key} in (${values})`);
    else if (e.operator === 'NotIn') terms.push(`${key} notin (${values})`);
    else if (e.operator === 'Exists') terms.push(key);
    else if (e.operator === 'DoesNotExist') terms.push(`!${key}`);
    else return undefined;
  }
  return terms.length > 0 ? terms.join(',') : undefined;
}

/** Waiting reasons that mean a container will not start without a change. */
const stuckReasons = new Set([
  'CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError',
  'CreateContainerError', 'RunContainerError', 'PreCreateHookError', 'PostStartHookError',
]);

interface Problem {
  rank: number;
  text: string;
}

function records(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** kubelet's CrashLoopBackOff message ends in ` pod=<name>_<ns>(<uid>)`: the pod is named already. */
function trimmed(message: string): string {
  return message.replace(/ pod=\S+$/, '').replace(/container=(\S+)/, 'container $1');
}

function problemOf(pod: KubeObject): Problem | undefined {
  const status = isRecord(pod.status) ? pod.status : {};
  const name = pod.metadata.name;
  const conditions = records(status.conditions);
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') return { rank: 1, text: `${name} ${String(scheduled.reason ?? 'Unschedulable')}: ${String(scheduled.message ?? '')}`.trim() };
  for (const c of [...records(status.initContainerStatuses), ...records(status.containerStatuses)]) {
    const waiting = isRecord(c.state) && isRecord(c.state.waiting) ? c.state.waiting : undefined;
    const reason = typeof waiting?.reason === 'string' ? waiting.reason : undefined;
    if (reason && stuckReasons.has(reason)) {
      const message = typeof waiting?.message === 'string' && waiting.message ? `: ${trimmed(waiting.message)}` : '';
      return { rank: 0, text: `${name} ${reason}${message}` };
    }
    const terminated = isRecord(c.state) && isRecord(c.state.terminated) ? c.state.terminated : undefined;
    if (terminated && terminated.exitCode !== 0 && status.phase === 'Failed') {
      return { rank: 0, text: `${name} ${String(terminated.reason ?? 'Error')}: container ${String(c.name)} exited with code ${String(terminated.exitCode)}` };
    }
  }
  if (status.phase === 'Pending') {
    const waiting = records(status.containerStatuses).map((c) => (isRecord(c.state) && isRecord(c.state.waiting) ? c.state.waiting.reason : undefined)).find((r) => typeof r === 'string');
    if (typeof waiting === 'string') return { rank: 2, text: `${name} ${waiting}` };
  }
  const ready = conditions.find((c) => c.type === 'Ready');
  if (status.phase === 'Running' && ready?.status === 'False') return { rank: 3, text: `${name} not ready: ${String(ready.message ?? ready.reason ?? '')}`.trim() };
  return undefined;
}

/** The most telling reason a set of pods is not running and ready, or undefined when none shows one. */
export function podDiagnosis(pods: KubeObject[]): string | undefined {
  const problems = pods.filter((p) => !p.metadata.deletionTimestamp).map(problemOf).filter((p): p is Problem => p !== undefined).sort((a, b) => a.rank - b.rank);
  const first = problems[0];
  if (!first) return undefined;
  return problems.length > 1 ? `${first.text} (and ${problems.length - 1} more pod${problems.length > 2 ? 's' : ''})` : first.text;
}

/**
 * A pod the ReplicaSet controller could not create (admission: PodSecurity, quota, LimitRange) leaves
 * no pod to diagnose, only the `ReplicaFailure` condition (reason FailedCreate) on the ReplicaSet;
 * the deployment controller copies it onto the Deployment too.
 */
export function replicaFailure(obj: KubeObject): string | undefined {
  const status = isRecord(obj.status) ? obj.status : {};
  const c = records(status.conditions).find((x) => x.type === 'ReplicaFailure' && x.status === 'True');
  if (!c) return undefined;
  return `${String(c.reason ?? 'FailedCreate')}: ${String(c.message ?? '')}`.replace(/: $/, '');
}

/** The ReplicaSet of the Deployment's current template: owned by it, highest revision (creation time breaks ties). */
export function newestOwned(deployment: KubeObject, replicaSets: KubeObject[]): KubeObject | undefined {
  const revision = (rs: KubeObject): number => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) || 0;
  const owned = replicaSets.filter((rs) => (rs.metadata.ownerReferences ?? []).some((o) => o.controller === true && o.uid === deployment.metadata.uid));
  return owned.sort((a, b) => revision(b) - revision(a) || String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')))[0];
}
