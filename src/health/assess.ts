import { groupOf, isRecord } from '../core/objects.ts';
import type { HealthStatus, KubeObject } from '../core/types.ts';
import { customHealth, isCustomGroup } from './custom.ts';

export interface HealthVerdict {
  status: HealthStatus;
  message?: string;
}

type Conditions = Array<{ type?: string; status?: string; reason?: string; message?: string }>;

function statusOf(obj: KubeObject): Record<string, unknown> {
  return isRecord(obj.status) ? obj.status : {};
}

function specOf(obj: KubeObject): Record<string, unknown> {
  return isRecord(obj.spec) ? obj.spec : {};
}

function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' ? value : fallback;
}

function condition(obj: KubeObject, type: string): Conditions[number] | undefined {
  const conditions = statusOf(obj).conditions;
  return Array.isArray(conditions) ? (conditions as Conditions).find((c) => c.type === type) : undefined;
}

function observed(obj: KubeObject): boolean {
  const generation = obj.metadata.generation;
  return generation === undefined || num(statusOf(obj).observedGeneration, -1) >= generation;
}

const progressing = (message: string): HealthVerdict => ({ status: 'Progressing', message });

function deployment(obj: KubeObject): HealthVerdict {
  if (!observed(obj)) return progressing('waiting for the controller to observe the new generation');
  const cond = condition(obj, 'Progressing');
  if (cond?.status === 'False' && cond.reason === 'ProgressDeadlineExceeded') return { status: 'Degraded', message: `rollout failed: ${cond.message ?? 'ProgressDeadlineExceeded'}` };
  const status = statusOf(obj);
  const wanted = num(specOf(obj).replicas, 1);
  const updated = num(status.updatedReplicas);
  if (updated < wanted) return progressing(`${updated} of ${wanted} replicas updated`);
  if (num(status.replicas) > updated) return progressing(`${num(status.replicas) - updated} old replicas pending termination`);
  if (num(status.availableReplicas) < updated) return progressing(`${num(status.availableReplicas)} of ${updated} updated replicas available`);
  return { status: 'Healthy' };
}

function statefulSet(obj: KubeObject): HealthVerdict {
  if (!observed(obj)) return progressing('waiting for the controller to observe the new generation');
  const spec = specOf(obj);
  const strategy = isRecord(spec.updateStrategy) ? spec.updateStrategy : {};
  if (strategy.type === 'OnDelete') return { status: 'Healthy' };
  const status = statusOf(obj);
  const wanted = num(spec.replicas, 1);
  if (num(status.readyReplicas) < wanted) return progressing(`${num(status.readyReplicas)} of ${wanted} replicas ready`);
  const partition = isRecord(strategy.rollingUpdate) ? num(strategy.rollingUpdate.partition) : 0;
  if (partition > 0) return num(status.updatedReplicas) >= wanted - partition ? { status: 'Healthy' } : progressing('partitioned roll out in progress');
  if (status.updateRevision !== status.currentRevision) return progressing(`waiting for revision ${String(status.updateRevision)}`);
  return { status: 'Healthy' };
}

function daemonSet(obj: KubeObject): HealthVerdict {
  if (!observed(obj)) return progressing('waiting for the controller to observe the new generation');
  const status = statusOf(obj);
  const wanted = num(status.desiredNumberScheduled);
  if (num(status.updatedNumberScheduled) < wanted) return progressing(`${num(status.updatedNumberScheduled)} of ${wanted} pods updated`);
  if (num(status.numberAvailable) < wanted) return progressing(`${num(status.numberAvailable)} of ${wanted} pods available`);
  return { status: 'Healthy' };
}

function job(obj: KubeObject): HealthVerdict {
  const failed = condition(obj, 'Failed');
  if (failed?.status === 'True') return { status: 'Degraded', message: `job failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim() };
  if (condition(obj, 'Complete')?.status === 'True') return { status: 'Healthy' };
  return progressing('job not complete');
}

function crd(obj: KubeObject): HealthVerdict {
  const names = condition(obj, 'NamesAccepted');
  if (names?.status === 'False') return { status: 'Degraded', message: `names not accepted: ${names.message ?? ''}` };
  return condition(obj, 'Established')?.status === 'True' ? { status: 'Healthy' } : progressing('not established yet');
}

/**
 * Health of one object as kubectl rollout status / kstatus would judge it. `bindingMode` answers a
 * Pending PVC's storage class volumeBindingMode (WaitForFirstConsumer counts as healthy).
 */
export function assessHealth(obj: KubeObject, bindingMode?: string): HealthVerdict {
  const group = groupOf(obj.apiVersion);
  if (obj.metadata.deletionTimestamp) return progressing('being deleted');
  switch (`${group}/${obj.kind}`) {
    case 'apps/Deployment':
      return deployment(obj);
    case 'apps/StatefulSet':
      return statefulSet(obj);
    case 'apps/DaemonSet':
      return daemonSet(obj);
    case 'batch/Job':
      return job(obj);
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      return crd(obj);
    case '/PersistentVolumeClaim': {
      const phase = statusOf(obj).phase;
      if (phase === 'Bound') return { status: 'Healthy' };
      if (phase === 'Lost') return { status: 'Degraded', message: 'claim lost its volume' };
      if (bindingMode === 'WaitForFirstConsumer') return { status: 'Healthy', message: 'waiting for first consumer' };
      return progressing('not bound yet');
    }
    default:
      return isCustomGroup(group) ? customHealth(obj) : { status: 'Healthy' };
  }
}

/** Whether a kind needs watching after apply (built-ins with a rule, every custom resource); others are healthy once applied. */
export function hasHealthRule(group: string, kind: string): boolean {
  return isCustomGroup(group) || ['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'apiextensions.k8s.io/CustomResourceDefinition', '/PersistentVolumeClaim'].includes(`${group}/${kind}`);
}
