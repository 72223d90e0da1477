// An in-memory ControllerHost with a fake clock, for the lifecycle controllers' unit tests. It
// keeps the registry rules controllers rely on: defaults on write, resourceVersion conflicts,
// generation on spec changes, status/finalize subresources, and deletion with finalizers.
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../../sandbox/contracts.ts';
import type { ControllerHost, Obj, ResourceInfo, StoreEvent } from '../../../sandbox/contracts.ts';
import { applyDefaults } from '../../../sandbox/lifecycle/index.ts';

function info(group: string, version: string, kind: string, resource: string, namespaced: boolean, generation: ResourceInfo['generation'] = 'spec'): ResourceInfo {
  return { group, version, kind, resource, singular: kind.toLowerCase(), namespaced, shortNames: [], categories: [], verbs: [], subresources: { status: true }, generation };
}

export const resources: ResourceInfo[] = [
  info('', 'v1', 'Namespace', 'namespaces', false, 'none'),
  info('', 'v1', 'ConfigMap', 'configmaps', true, 'none'),
  info('', 'v1', 'Secret', 'secrets', true, 'none'),
  info('', 'v1', 'ServiceAccount', 'serviceaccounts', true, 'none'),
  info('', 'v1', 'Service', 'services', true, 'none'),
  info('', 'v1', 'Pod', 'pods', true),
  info('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, 'none'),
  info('', 'v1', 'PersistentVolume', 'persistentvolumes', false, 'none'),
  info('', 'v1', 'Node', 'nodes', false, 'none'),
  info('', 'v1', 'Event', 'events', true, 'none'),
  info('apps', 'v1', 'Deployment', 'deployments', true),
  info('apps', 'v1', 'ReplicaSet', 'replicasets', true),
  info('apps', 'v1', 'StatefulSet', 'statefulsets', true),
  info('apps', 'v1', 'DaemonSet', 'daemonsets', true),
  info('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true, 'none'),
  info('batch', 'v1', 'Job', 'jobs', true),
  info('batch', 'v1', 'CronJob', 'cronjobs', true),
  info('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, 'none'),
  info('example.com', 'v1', 'Widget', 'widgets', true, 'non-status'),
];

export function res(group: string, kind: string): ResourceInfo {
  const found = resources.find((r) => r.group === group && r.kind === kind);
  if (!found) throw new Error(`no resource ${group}/${kind}`);
  return found;
}

interface Timer { due: number; seq: number; fn: () => void }

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class MemoryHost implements ControllerHost {
  private readonly objects = new Map<string, Obj>();
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private timers: Timer[] = [];
  private seq = 0;
  private rv = 1;
  private clock = Date.parse('2026-01-01T00:00:00Z');
  /** Every write, for assertions on who wrote what. */
  readonly writes: Array<{ verb: string; kind: string; name: string; manager: string; subresource?: string }> = [];
  readonly events: StoreEvent[] = [];

  private key(r: ResourceInfo, ns: string | undefined, name: string): string {
    return `${r.group}/${r.kind}/${r.namespaced ? ns ?? '' : ''}/${name}`;
  }

  private emit(type: StoreEvent['type'], resource: ResourceInfo, object: Obj): void {
    const e = { type, resource, object: structuredClone(object) };
    this.events.push(e);
    for (const l of [...this.listeners]) l(e);
  }

  resource(group: string, kind: string): ResourceInfo | undefined {
    return resources.find((r) => r.group === group && r.kind === kind);
  }

  list(r: ResourceInfo, namespace?: string): Obj[] {
    const prefix = `${r.group}/${r.kind}/`;
    return [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && (namespace === undefined || !r.namespaced || (o.metadata as Obj).namespace === namespace))
      .map(([, o]) => structuredClone(o));
  }

  get(r: ResourceInfo, namespace: string | undefined, name: string): Obj | undefined {
    const o = this.objects.get(this.key(r, namespace, name));
    return o && structuredClone(o);
  }

  create(r: ResourceInfo, object: Obj, manager: string): Obj {
    const o = structuredClone(object);
    const meta = (o.metadata ??= {}) as Obj;
    const k = this.key(r, meta.namespace as string | undefined, meta.name as string);
    if (this.objects.has(k)) throw new ApiError(409, 'AlreadyExists', `${r.resource} "${String(meta.name)}" already exists`);
    meta.uid ??= randomUUID();
    meta.creationTimestamp = iso(this.now());
    meta.resourceVersion = String(++this.rv);
    if (r.generation !== 'none') meta.generation = 1;
    applyDefaults(r, o);
    this.objects.set(k, o);
    this.writes.push({ verb: 'create', kind: r.kind, name: meta.name as string, manager });
    this.emit('ADDED', r, o);
    return structuredClone(o);
  }

  update(r: ResourceInfo, object: Obj, manager: string, subresource?: 'status' | 'finalize'): Obj {
    const meta = (object.metadata ?? {}) as Obj;
    const k = this.key(r, meta.namespace as string | undefined, meta.name as string);
    const old = this.objects.get(k);
    if (!old) throw new ApiError(404, 'NotFound', `${r.resource} "${String(meta.name)}" not found`);
    const oldMeta = old.metadata as Obj;
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== oldMeta.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${r.resource} "${String(meta.name)}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    let next: Obj;
    if (subresource === 'status') {
      next = { ...structuredClone(old), status: structuredClone(object.status) };
      // deploymentStatusStrategy keeps only spec and labels from the stored object.
      if (r.kind === 'Deployment') (next.metadata as Obj).annotations = structuredClone(meta.annotations);
    }
    else if (subresource === 'finalize') next = { ...structuredClone(old), spec: { ...(old.spec as Obj), finalizers: (object.spec as Obj).finalizers } };
    else {
      next = structuredClone(object);
      if (old.status !== undefined) next.status = structuredClone(old.status);
      (next.metadata as Obj).uid = oldMeta.uid;
      (next.metadata as Obj).creationTimestamp = oldMeta.creationTimestamp;
      applyDefaults(r, next, old);
    }
    const nm = next.metadata as Obj;
    nm.resourceVersion = oldMeta.resourceVersion;
    nm.generation = oldMeta.generation;
    const annotationsChanged = r.kind === 'Deployment' && subresource === undefined && JSON.stringify(nm.annotations ?? {}) !== JSON.stringify(oldMeta.annotations ?? {});
    if (r.generation === 'spec' && (JSON.stringify(next.spec) !== JSON.stringify(old.spec) || annotationsChanged)) nm.generation = Number(oldMeta.generation ?? 0) + 1;
    if (JSON.stringify(next) === JSON.stringify(old)) return structuredClone(old);
    this.writes.push({ verb: 'update', kind: r.kind, name: nm.name as string, manager, subresource });
    if (this.released(r, next)) {
      this.objects.delete(k);
      this.emit('DELETED', r, next);
      return structuredClone(next);
    }
    nm.resourceVersion = String(++this.rv);
    this.objects.set(k, next);
    this.emit('MODIFIED', r, next);
    return structuredClone(next);
  }

  private released(r: ResourceInfo, o: Obj): boolean {
    const m = o.metadata as Obj;
    const fin = Array.isArray(m.finalizers) ? m.finalizers : [];
    const specFin = r.kind === 'Namespace' && Array.isArray((o.spec as Obj | undefined)?.finalizers) ? ((o.spec as Obj).finalizers as unknown[]) : [];
    return Boolean(m.deletionTimestamp) && fin.length === 0 && specFin.length === 0;
  }

  delete(r: ResourceInfo, namespace: string | undefined, name: string, propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'): void {
    const k = this.key(r, namespace, name);
    const old = this.objects.get(k);
    if (!old) throw new ApiError(404, 'NotFound', `${r.resource} "${name}" not found`);
    const next = structuredClone(old);
    const m = next.metadata as Obj;
    const fin = Array.isArray(m.finalizers) ? [...(m.finalizers as string[])] : [];
    if (propagationPolicy === 'Foreground' && !fin.includes('foregroundDeletion')) fin.push('foregroundDeletion');
    if (propagationPolicy === 'Orphan' && !fin.includes('orphan')) fin.push('orphan');
    const nsFin = r.kind === 'Namespace' && Array.isArray((next.spec as Obj | undefined)?.finalizers) && ((next.spec as Obj).finalizers as unknown[]).length > 0;
    this.writes.push({ verb: 'delete', kind: r.kind, name, manager: '' });
    if (fin.length === 0 && !nsFin) {
      this.objects.delete(k);
      this.emit('DELETED', r, old);
      return;
    }
    if (fin.length) m.finalizers = fin;
    m.deletionTimestamp ??= iso(this.now());
    if (r.kind === 'Namespace') next.status = { ...(next.status as Obj), phase: 'Terminating' };
    if (JSON.stringify(next) === JSON.stringify(old)) return;
    m.resourceVersion = String(++this.rv);
    this.objects.set(k, next);
    this.emit('MODIFIED', r, next);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  now(): Date {
    return new Date(this.clock);
  }

  after(ms: number, fn: () => void): void {
    this.timers.push({ due: this.clock + ms, seq: ++this.seq, fn });
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  /** Advances the fake clock by `ms`, running every timer that falls due, in order. */
  tick(ms = 0): void {
    const target = this.clock + ms;
    for (let i = 0; ; i++) {
      if (i > 100_000) throw new Error('timers never settle');
      this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.due > target) break;
      this.timers.shift();
      this.clock = Math.max(this.clock, next.due);
      next.fn();
    }
    this.clock = target;
  }
}
