// The little machinery every controller shares: a coalescing work queue on the host's timers,
// resource lookup, owner references and the status/finalizer writes controllers make.
import type { ControllerHost, Obj, ResourceInfo } from '../../contracts.ts';
import { ApiError } from '../../contracts.ts';
import { deepEqual, get, groupOf, isObj, listAt, str } from '../util.ts';
import { Recorder } from './events.ts';

export const manager = 'kube-controller-manager';

export interface ControllerOptions {
  /** How long Pods take to become Ready (half of it to start), namespaces to start emptying (default 2000). */
  readyDelayMs?: number;
  /** PEM published as kube-root-ca.crt in every namespace. */
  rootCA?: string;
  /** The API server's own address, for the Endpoints and EndpointSlice of default/kubernetes. */
  apiServer?: { ip: string; port: number };
}

/** Built-in kinds scanned for dependents and namespace contents, besides every kind seen in events. */
const scanned: Array<[string, string]> = [
  ['', 'Pod'], ['', 'Service'], ['', 'ConfigMap'], ['', 'Secret'], ['', 'ServiceAccount'], ['', 'PersistentVolumeClaim'],
  ['', 'PersistentVolume'], ['', 'Endpoints'], ['', 'Event'], ['', 'LimitRange'], ['', 'ResourceQuota'],
  ['', 'ReplicationController'], ['', 'PodTemplate'], ['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['apps', 'StatefulSet'],
  ['apps', 'DaemonSet'], ['apps', 'ControllerRevision'], ['batch', 'Job'], ['batch', 'CronJob'],
  ['autoscaling', 'HorizontalPodAutoscaler'], ['policy', 'PodDisruptionBudget'], ['networking.k8s.io', 'Ingress'],
  ['networking.k8s.io', 'NetworkPolicy'], ['rbac.authorization.k8s.io', 'Role'], ['rbac.authorization.k8s.io', 'RoleBinding'],
  ['rbac.authorization.k8s.io', 'ClusterRole'], ['rbac.authorization.k8s.io', 'ClusterRoleBinding'],
  ['discovery.k8s.io', 'EndpointSlice'], ['coordination.k8s.io', 'Lease'], ['storage.k8s.io', 'StorageClass'],
  ['apiextensions.k8s.io', 'CustomResourceDefinition'],
];

export class Runtime {
  readonly readyDelayMs: number;
  readonly rootCA: string | undefined;
  readonly apiServer: { ip: string; port: number } | undefined;
  private stopped = false;
  private readonly pending = new Map<string, () => void>();
  private flushing = false;
  private readonly seen = new Map<string, ResourceInfo>();
  /** The event recorder every controller and the pretend kubelet write through. */
  readonly events: Recorder = new Recorder(this);

  constructor(readonly host: ControllerHost, options: ControllerOptions = {}) {
    this.readyDelayMs = options.readyDelayMs ?? 2000;
    this.rootCA = options.rootCA;
    this.apiServer = options.apiServer;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
  }

  /** Runs `fn` after `ms` unless stopped by then. */
  later(ms: number, fn: () => void): void {
    this.host.after(Math.max(0, Math.round(ms)), () => {
      if (!this.stopped) this.guard(fn, () => this.later(50, fn));
    });
  }

  private readonly timers = new Map<string, number>();

  /** Like later, but one timer per key: a later-due request is dropped when one is pending sooner. */
  laterOnce(key: string, ms: number, fn: () => void): void {
    const due = this.nowMs() + ms;
    const pending = this.timers.get(key);
    if (pending !== undefined && pending > this.nowMs() && pending <= due) return;
    this.timers.set(key, due);
    this.later(ms, () => {
      if (this.timers.get(key) === due) this.timers.delete(key);
      fn();
    });
  }

  /** Queues work under a key; several events for one object coalesce into one reconcile. */
  enqueue(key: string, fn: () => void): void {
    if (this.stopped) return;
    this.pending.set(key, fn);
    if (this.flushing) return;
    this.flushing = true;
    this.host.after(0, () => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    if (this.stopped) return;
    const work = [...this.pending.entries()];
    this.pending.clear();
    for (const [key, fn] of work) this.guard(fn, () => this.later(20, () => this.enqueue(key, fn)));
  }

  /**
   * Conflicts (a newer write raced ours) retry; other API errors (object gone, …) drop the work, as
   * the next event brings it back. Anything else is a bug: reported, without stopping other work.
   */
  private guard(fn: () => void, retry: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.status === 409) retry();
        return;
      }
      process.stderr.write(`sandbox controller failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    }
  }

  noteType(info: ResourceInfo): void {
    this.seen.set(`${info.group}/${info.kind}`, info);
  }

  res(group: string, kind: string): ResourceInfo | undefined {
    return this.host.resource(group, kind);
  }

  /** Every resource type worth scanning for dependents or namespace contents. */
  types(): ResourceInfo[] {
    const out = new Map<string, ResourceInfo>();
    for (const [g, k] of scanned) {
      const info = this.host.resource(g, k);
      if (info) out.set(`${g}/${k}`, info);
    }
    for (const [key, info] of this.seen) out.set(key, info);
    for (const info of this.host.resources?.() ?? []) {
      if (info.verbs.length === 0 || info.verbs.includes('list')) out.set(`${info.group}/${info.kind}`, info);
    }
    return [...out.values()];
  }

  now(): string {
    return this.host.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  nowMs(): number {
    return this.host.now().getTime();
  }

  /** Writes status only when it changed, so a quiet cluster makes no writes. */
  writeStatus(info: ResourceInfo, obj: Obj, status: Obj): Obj {
    if (deepEqual(obj.status ?? {}, status)) return obj;
    return this.host.update(info, { ...obj, status }, manager, 'status');
  }

  /** Drops a finalizer; a deleting object without finalizers is then gone, as on the real server. */
  removeFinalizer(info: ResourceInfo, obj: Obj, finalizer: string): void {
    const meta = isObj(obj.metadata) ? obj.metadata : {};
    const finalizers = Array.isArray(meta.finalizers) ? meta.finalizers.filter((f) => f !== finalizer) : [];
    this.host.update(info, { ...obj, metadata: { ...meta, finalizers } }, manager);
    this.deleteIfReleased(info, str(obj, 'metadata', 'namespace'), str(obj, 'metadata', 'name') ?? '');
  }

  /** Belt and braces for hosts whose update does not remove a released object by itself. */
  deleteIfReleased(info: ResourceInfo, ns: string | undefined, name: string): void {
    const now = this.host.get(info, ns, name);
    if (!now || !get(now, 'metadata', 'deletionTimestamp')) return;
    const fin = get(now, 'metadata', 'finalizers');
    if (Array.isArray(fin) && fin.length > 0) return;
    const specFin = get(now, 'spec', 'finalizers');
    if (info.kind === 'Namespace' && Array.isArray(specFin) && specFin.length > 0) return;
    this.host.delete(info, ns, name);
  }
}

export function uidOf(o: Obj): string {
  return str(o, 'metadata', 'uid') ?? '';
}

export function isDeleting(o: Obj): boolean {
  return Boolean(get(o, 'metadata', 'deletionTimestamp'));
}

export function finalizersOf(o: Obj): string[] {
  const f = get(o, 'metadata', 'finalizers');
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
}

export function ownerRefs(o: Obj): Obj[] {
  return listAt(o, 'metadata', 'ownerReferences');
}

/** Controllers ask this of every object of a kind in a namespace on each reconcile: kept allocation-free. */
export function ownedBy(o: Obj, ownerUid: string): boolean {
  const meta = o.metadata;
  if (!isObj(meta)) return false;
  const refs = meta.ownerReferences;
  if (!Array.isArray(refs)) return false;
  for (const r of refs) if (isObj(r) && r.uid === ownerUid) return true;
  return false;
}

/** The controller owner reference a controller puts on what it creates. */
export function controllerRef(info: ResourceInfo, owner: Obj): Obj {
  return {
    apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
    kind: info.kind,
    name: str(owner, 'metadata', 'name'),
    uid: uidOf(owner),
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function ownerInfo(rt: Runtime, ref: Obj): ResourceInfo | undefined {
  return rt.res(groupOf(str(ref, 'apiVersion') ?? ''), str(ref, 'kind') ?? '');
}

/** Drops zero counters, as `omitempty` int32 fields are left out of real status objects. */
export function omitZero(status: Obj, keys: string[]): Obj {
  for (const k of keys) if (status[k] === 0) delete status[k];
  return status;
}
