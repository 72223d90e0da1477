import { isRecord } from '../core/objects.ts';
import type { KubeObject } from '../core/types.ts';
import type { HealthVerdict } from './assess.ts';

/** API groups Kubernetes itself serves: their kinds without a rule are healthy once applied. */
const builtinGroups = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'apiextensions.k8s.io', 'admissionregistration.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io',
  'node.k8s.io', 'certificates.k8s.io', 'flowcontrol.apiserver.k8s.io', 'apiregistration.k8s.io', 'events.k8s.io',
  'resource.k8s.io', 'storagemigration.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'internal.apiserver.k8s.io',
]);

export function isCustomGroup(group: string): boolean {
  return !builtinGroups.has(group);
}

type Condition = { type?: unknown; status?: unknown; reason?: unknown; message?: unknown };

const failedPhases = new Set(['Failed', 'Error']);
const progressingPhases = new Set(['Pending', 'Progressing']);
const healthyPhases = new Set(['Running', 'Succeeded', 'Ready', 'Active', 'Bound']);

function describe(c: Condition): string {
  const reason = typeof c.reason === 'string' && c.reason ? c.reason : '';
  const message = typeof c.message === 'string' && c.message ? c.message : '';
  return [reason, message].filter(Boolean).join(': ') || `${String(c.type)}=${String(c.status)}`;
}

/**
 * A custom resource as kstatus (Flux, cli-utils) reads one: a controller that has not observed the
 * latest generation is still working; Stalled=True is a failure, Reconciling=True work in progress,
 * Ready/Available=False not there yet; a `status.phase` in the usual vocabulary counts too. Without
 * any of these (no status at all) it is Current: healthy.
 */
export function customHealth(obj: KubeObject): HealthVerdict {
  const status = isRecord(obj.status) ? obj.status : undefined;
  if (!status) return { status: 'Healthy' };
  const generation = obj.metadata.generation;
  const observed = status.observedGeneration;
  if (typeof generation === 'number' && typeof observed === 'number' && observed < generation) {
    return { status: 'Progressing', message: `waiting for the controller to observe generation ${generation} (observed ${observed})` };
  }
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []).filter(isRecord) as Condition[];
  const find = (type: string): Condition | undefined => conditions.find((c) => c.type === type);
  const stalled = find('Stalled');
  if (stalled?.status === 'True') return { status: 'Degraded', message: `stalled: ${describe(stalled)}` };
  const reconciling = find('Reconciling');
  if (reconciling?.status === 'True') return { status: 'Progressing', message: `reconciling: ${describe(reconciling)}` };
  for (const type of ['Ready', 'Available']) {
    const c = find(type);
    if (c?.status === 'False') return { status: 'Progressing', message: `not ${type.toLowerCase()}: ${describe(c)}` };
  }
  const phase = typeof status.phase === 'string' ? status.phase : undefined;
  if (phase && failedPhases.has(phase)) return { status: 'Degraded', message: `phase ${phase}${typeof status.message === 'string' ? `: ${status.message}` : ''}` };
  if (phase && progressingPhases.has(phase)) return { status: 'Progressing', message: `phase ${phase}` };
  if (phase && healthyPhases.has(phase)) return { status: 'Healthy' };
  return { status: 'Healthy' };
}
