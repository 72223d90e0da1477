// Pod helpers the workload controllers share (pkg/controller/controller_utils.go and
// pkg/api/v1/pod/util.go): creating a Pod from a template with a controller reference, listing a
// controller's Pods, readiness and availability.
import type { Obj, ResourceInfo } from '../../contracts.ts';
import { clone, get, isObj, listAt, objAt, str } from '../util.ts';
import { controllerRef, isDeleting, manager, ownedBy, type Runtime, uidOf } from './runtime.ts';

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** utilrand.String(5), the suffix the API server gives a generateName. */
export function randomSuffix(n = 5): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

/** names.SimpleNameGenerator: base truncated to 58 characters, then five random ones. */
export function generatedName(base: string): string {
  return `${base.slice(0, 58)}${randomSuffix()}`;
}

export function podInfo(rt: Runtime): ResourceInfo | undefined {
  return rt.res('', 'Pod');
}

/** Every Pod whose ownerReferences name `uid` (deleting ones too). */
export function ownedPods(rt: Runtime, ns: string, uid: string): Obj[] {
  const info = podInfo(rt);
  if (!info) return [];
  return rt.host.listOwned ? rt.host.listOwned(info, ns, uid) : rt.host.list(info, ns).filter((p) => ownedBy(p, uid));
}

export function podPhase(p: Obj): string {
  return str(p, 'status', 'phase') ?? 'Pending';
}

/** controller.IsPodActive: not finished and not being deleted. */
export function podActive(p: Obj): boolean {
  const phase = podPhase(p);
  return phase !== 'Succeeded' && phase !== 'Failed' && !isDeleting(p);
}

function readyCondition(p: Obj): Obj | undefined {
  return listAt(p, 'status', 'conditions').find((c) => c.type === 'Ready');
}

export function podReady(p: Obj): boolean {
  return readyCondition(p)?.status === 'True';
}

/** podutil.IsPodAvailable; `wakeIn` gets the ms until a ready pod turns available. */
export function podAvailable(p: Obj, minReadySeconds: number, nowMs: number, wakeIn?: (ms: number) => void): boolean {
  const c = readyCondition(p);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(String(c.lastTransitionTime ?? '')) || nowMs;
  const left = since + minReadySeconds * 1000 - nowMs;
  if (left <= 0) return true;
  wakeIn?.(left + 1);
  return false;
}

/** controller.GetPodFromTemplate and CreatePods: labels, annotations and spec of the template. */
export function createPod(rt: Runtime, ownerInfo: ResourceInfo, owner: Obj, template: unknown, name: string, extra: { labels?: Record<string, string>; spec?: Obj } = {}): Obj | undefined {
  const info = podInfo(rt);
  if (!info) return undefined;
  const t = isObj(template) ? clone(template) : {};
  const labels = { ...((objAt(t, 'metadata', 'labels') ?? {}) as Record<string, string>), ...(extra.labels ?? {}) };
  const annotations = objAt(t, 'metadata', 'annotations');
  const spec = { ...((objAt(t, 'spec') ?? {}) as Obj), ...(extra.spec ?? {}) };
  const ns = str(owner, 'metadata', 'namespace');
  return rt.host.create(info, {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: ns, labels,
      ...(annotations ? { annotations } : {}),
      ...(extra.labels && 'statefulset.kubernetes.io/pod-name' in extra.labels ? {} : { generateName: name.slice(0, name.length - 5) }),
      ownerReferences: [controllerRef(ownerInfo, owner)],
    },
    spec,
  }, manager);
}

export function deletePod(rt: Runtime, p: Obj): void {
  const info = podInfo(rt);
  if (info) rt.host.delete(info, str(p, 'metadata', 'namespace'), str(p, 'metadata', 'name') ?? '');
}

/**
 * controller.ActivePods ordering for scale-down (getPodsToDelete): unassigned before assigned,
 * pending before running, not ready before ready, more restarts first, newer first.
 */
export function deletionOrder(a: Obj, b: Obj): number {
  const assigned = (p: Obj): number => (get(p, 'spec', 'nodeName') ? 1 : 0);
  const phaseRank = (p: Obj): number => ({ Pending: 0, Unknown: 1, Running: 2 } as Record<string, number>)[podPhase(p)] ?? 0;
  const ready = (p: Obj): number => (podReady(p) ? 1 : 0);
  const restarts = (p: Obj): number => listAt(p, 'status', 'containerStatuses').reduce((n, s) => n + (typeof s.restartCount === 'number' ? s.restartCount : 0), 0);
  const created = (p: Obj): string => str(p, 'metadata', 'creationTimestamp') ?? '';
  return assigned(a) - assigned(b) || phaseRank(a) - phaseRank(b) || ready(a) - ready(b) || restarts(b) - restarts(a)
    || (created(b) > created(a) ? 1 : created(b) < created(a) ? -1 : 0) || uidOf(a).localeCompare(uidOf(b));
}

/** The node a DaemonSet pod is pinned to through its nodeAffinity matchFields. */
export function nodeAffinityName(p: Obj): string | undefined {
  for (const term of listAt(p, 'spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms')) {
    for (const f of listAt(term, 'matchFields')) {
      if (f.key === 'metadata.name' && f.operator === 'In' && Array.isArray(f.values) && typeof f.values[0] === 'string') return f.values[0];
    }
  }
  return undefined;
}
