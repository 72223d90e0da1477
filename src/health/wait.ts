import { refString } from '../core/objects.ts';
import { sleep as realSleep } from '../core/retry.ts';
import type { KubeObject, ObjectRef } from '../core/types.ts';
import type { ClusterClient, ResourceType } from '../ports/cluster.ts';
import type { ProgressListener } from '../core/progress.ts';
import { mapLimit } from '../core/limit.ts';
import { assessHealth, hasHealthRule, type HealthVerdict } from './assess.ts';
import { eventType, failedCreate, failedCreateReporters, failedCreateSelector, newestOwned, podDiagnosis, podOwners, podType, replicaFailure, replicaSetType, selectorOf } from './pods.ts';

export interface Watched {
  key: string;
  ref: ObjectRef;
  type: ResourceType;
  /** Latest known state (the apply response or the plan's list): the first observation is free. */
  observed?: KubeObject;
}

export interface WaitOptions {
  timeoutMs: number;
  pollMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onProgress?: ProgressListener;
  /** Kinds whose health is not judged (the app's `health: [{group, kind, ignore: true}]`): Healthy once applied. */
  ignore?: Array<{ group: string; kind: string }>;
}

const storageClassType: ResourceType = { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false };

function storageClassName(obj: KubeObject): string | undefined {
  const spec = obj.spec as { storageClassName?: unknown } | undefined;
  return typeof spec?.storageClassName === 'string' ? spec.storageClassName : undefined;
}

/** Where several objects of one kind and namespace are pending, one LIST observes them all. */
async function observeAll(cluster: ClusterClient, pending: Watched[]): Promise<Map<string, KubeObject>> {
  const groups = new Map<string, Watched[]>();
  for (const w of pending) {
    const id = `${w.type.group}/${w.type.version}/${w.type.plural}/${w.ref.namespace ?? ''}`;
    groups.set(id, [...(groups.get(id) ?? []), w]);
  }
  const seen = new Map<string, KubeObject>();
  await mapLimit([...groups.values()].filter((g) => g.length >= 2), 8, async (group) => {
    const first = group[0]!;
    const byName = new Map((await cluster.list(first.type, first.ref.namespace)).map((o) => [o.metadata.name, o]));
    // Absent from the list means gone: recorded as undefined so no GET follows.
    for (const w of group) seen.set(w.key, byName.get(w.ref.name) as KubeObject);
  });
  return seen;
}

/**
 * The pods of a workload that is not healthy, and what keeps them from running and ready; with no
 * telling pod, why its controller could not create them: ReplicaFailure (one more LIST, of
 * ReplicaSets, for a Deployment whose own status does not carry it), or for a StatefulSet,
 * DaemonSet or Job its latest FailedCreate event (one more LIST, of its events).
 */
async function diagnose(cluster: ClusterClient, workload: KubeObject, group: string, kind: string): Promise<string | undefined> {
  const labelSelector = selectorOf(workload);
  if (!labelSelector) return undefined;
  try {
    const why = podDiagnosis(await cluster.list(podType, workload.metadata.namespace, { labelSelector }));
    if (why) return why;
    const own = replicaFailure(workload);
    if (own) return own;
    if (failedCreateReporters.has(`${group}/${kind}`)) return failedCreate(await cluster.list(eventType, workload.metadata.namespace, { fieldSelector: failedCreateSelector(workload) }));
    if (kind !== 'Deployment') return undefined;
    const rs = newestOwned(workload, await cluster.list(replicaSetType, workload.metadata.namespace, { labelSelector }));
    const failure = rs ? replicaFailure(rs) : undefined;
    return failure ? `ReplicaSet ${rs!.metadata.name} ${failure}` : undefined;
  } catch {
    // Best effort: a cluster that will not show pods (RBAC) still gets the workload's own verdict.
    return undefined;
  }
}

/**
 * Polls the objects that have health rules until each is Healthy or Degraded, or the timeout
 * passes (still Progressing then). Objects without rules are Healthy at once, with no request.
 */
export async function waitForHealth(cluster: ClusterClient, objects: Watched[], options: WaitOptions): Promise<Map<string, HealthVerdict>> {
  const wait = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const verdicts = new Map<string, HealthVerdict>();
  const modes = new Map<string, Promise<string | undefined>>();
  const bindingMode = (obj: KubeObject): Promise<string | undefined> => {
    const name = storageClassName(obj);
    if (!name) return Promise.resolve(undefined);
    if (!modes.has(name)) modes.set(name, cluster.get(storageClassType, name).then((sc) => (sc?.volumeBindingMode as string | undefined) ?? undefined));
    return modes.get(name)!;
  };
  const judge = async (w: Watched, obj: KubeObject | undefined, polled: boolean): Promise<HealthVerdict> => {
    if (!obj) return { status: 'Missing', message: 'object not found' };
    const verdict = assessHealth(obj);
    if (verdict.status === 'Progressing' && w.ref.kind === 'PersistentVolumeClaim' && w.ref.group === '') return assessHealth(obj, await bindingMode(obj));
    // Still not healthy after a poll: its pods say why (one LIST by the workload's selector); the
    // first, free observation never pays for it, so a healthy rollout costs no extra request.
    if (polled && verdict.status !== 'Healthy' && podOwners.has(`${w.ref.group}/${w.ref.kind}`)) {
      const why = await diagnose(cluster, obj, w.ref.group, w.ref.kind);
      if (why) return { ...verdict, message: verdict.message ? `${verdict.message}; ${why}` : why };
    }
    return verdict;
  };
  const ignored = new Set((options.ignore ?? []).map((i) => `${i.group}/${i.kind}`));
  let pending: Watched[] = [];
  for (const w of objects) {
    if (!hasHealthRule(w.ref.group, w.ref.kind) || ignored.has(`${w.ref.group}/${w.ref.kind}`)) verdicts.set(w.key, { status: 'Healthy' });
    else pending.push(w);
  }
  let first = true;
  while (pending.length > 0) {
    const fresh = first ? new Map<string, KubeObject>() : await observeAll(cluster, pending);
    const observed = await mapLimit(pending, 8, async (w) => {
      const free = first && w.observed !== undefined;
      const obj = free ? w.observed : fresh.has(w.key) ? fresh.get(w.key) : await cluster.get(w.type, w.ref.name, w.ref.namespace);
      return { w, verdict: await judge(w, obj, !free) };
    });
    first = false;
    pending = [];
    for (const { w, verdict } of observed) {
      verdicts.set(w.key, verdict);
      if (verdict.status === 'Progressing' || verdict.status === 'Missing') pending.push(w);
      else options.onProgress?.({ type: 'object', phase: 'health', ref: w.ref, outcome: verdict.status, ...(verdict.message ? { message: verdict.message } : {}) });
    }
    if (pending.length === 0 || now() >= deadline) break;
    await wait(Math.min(options.pollMs, Math.max(0, deadline - now())));
  }
  return verdicts;
}

/** Waits for CRDs to be Established; returns a message naming those that are not, or undefined. */
export async function waitEstablished(cluster: ClusterClient, crds: Array<{ key: string; ref: ObjectRef; type: ResourceType }>, options: WaitOptions): Promise<string | undefined> {
  const verdicts = await waitForHealth(cluster, crds, options);
  const bad = crds.filter((c) => verdicts.get(c.key)?.status !== 'Healthy');
  if (bad.length === 0) return undefined;
  return `custom resource definitions not established within ${Math.round(options.timeoutMs / 1000)}s: ${bad.map((c) => `${refString(c.ref)} (${verdicts.get(c.key)?.message ?? 'unknown'})`).join(', ')}`;
}
