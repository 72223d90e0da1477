import type { Obj, ResourceInfo } from '../contracts.ts';

export interface StoredEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: ResourceInfo;
  object: Obj;
  /** The object before a MODIFIED, so that watchers with selectors can tell objects leaving them. */
  old?: Obj;
  rv: number;
}

export function bucketKey(info: { group: string; resource: string }): string {
  // events.k8s.io Events are core Events in another shape: one bucket (see events.ts).
  if (info.group === 'events.k8s.io' && info.resource === 'events') return '/events';
  return `${info.group}/${info.resource}`;
}

export function metaOf(obj: Obj): Record<string, unknown> {
  return (obj.metadata ?? {}) as Record<string, unknown>;
}

function ownerUids(obj: Obj | undefined): string[] {
  const refs = obj && metaOf(obj).ownerReferences;
  if (!Array.isArray(refs)) return [];
  const out: string[] = [];
  for (const r of refs) {
    const uid = typeof r === 'object' && r !== null ? (r as { uid?: unknown }).uid : undefined;
    if (typeof uid === 'string' && !out.includes(uid)) out.push(uid);
  }
  return out;
}

function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * Objects per resource (group/resource, version-agnostic), one global resourceVersion counter as
 * etcd's revision, and a bounded event history for watches that resume from a resourceVersion.
 */
export class Store {
  private revision = 1;
  private readonly buckets = new Map<string, Map<string, Obj>>();
  /** Objects by bucket and owner uid (ownerReferences), for controllers looking for what they own. */
  private readonly byOwner = new Map<string, Map<string, Map<string, Obj>>>();
  /** The same objects by bucket and namespace, so that namespaced lists need not scan every object. */
  private readonly byNamespace = new Map<string, Map<string, Map<string, Obj>>>();
  private readonly history: StoredEvent[] = [];
  private readonly listeners = new Set<(event: StoredEvent) => void>();
  /** Lowest resourceVersion a watch may still resume from. */
  private compacted = 0;
  /** Set by writes, cleared by the state saver. */
  dirty = false;

  constructor(private readonly historyLimit = 20_000) {}

  get resourceVersion(): number {
    return this.revision;
  }

  get oldestResumable(): number {
    return this.compacted;
  }

  bucket(info: { group: string; resource: string }): Map<string, Obj> {
    const key = bucketKey(info);
    let bucket = this.buckets.get(key);
    if (!bucket) { bucket = new Map(); this.buckets.set(key, bucket); }
    return bucket;
  }

  get(info: ResourceInfo, namespace: string | undefined, name: string): Obj | undefined {
    return this.buckets.get(bucketKey(info))?.get(objectKey(info.namespaced ? namespace : undefined, name));
  }

  list(info: ResourceInfo, namespace?: string): Obj[] {
    const key = bucketKey(info);
    if (!namespace || !info.namespaced) {
      const bucket = this.buckets.get(key);
      return bucket ? [...bucket.values()] : [];
    }
    const inNamespace = this.byNamespace.get(key)?.get(namespace);
    return inNamespace ? [...inNamespace.values()] : [];
  }

  /** Objects whose ownerReferences name `ownerUid`, in the order they got that owner. */
  listOwned(info: ResourceInfo, namespace: string | undefined, ownerUid: string): Obj[] {
    const owned = this.byOwner.get(bucketKey(info))?.get(ownerUid);
    if (!owned) return [];
    const all = [...owned.values()];
    return namespace && info.namespaced ? all.filter((o) => metaOf(o).namespace === namespace) : all;
  }

  private indexOwners(info: ResourceInfo, key: string, previous: Obj | undefined, obj: Obj | undefined): void {
    const before = ownerUids(previous);
    const after = ownerUids(obj);
    if (before.length === 0 && after.length === 0) return;
    const bucket = bucketKey(info);
    let owners = this.byOwner.get(bucket);
    if (!owners) { owners = new Map(); this.byOwner.set(bucket, owners); }
    for (const uid of before) {
      if (after.includes(uid)) continue;
      const owned = owners.get(uid);
      owned?.delete(key);
      if (owned?.size === 0) owners.delete(uid);
    }
    for (const uid of after) {
      let owned = owners.get(uid);
      if (!owned) { owned = new Map(); owners.set(uid, owned); }
      // Map.set keeps an existing entry's position: an owned object keeps its place as it changes.
      owned.set(key, obj!);
    }
  }

  private index(info: ResourceInfo, meta: Record<string, unknown>, obj: Obj | undefined): void {
    const key = bucketKey(info);
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
    let namespaces = this.byNamespace.get(key);
    if (!namespaces) { namespaces = new Map(); this.byNamespace.set(key, namespaces); }
    let objects = namespaces.get(namespace);
    if (!objects) {
      if (!obj) return;
      objects = new Map();
      namespaces.set(namespace, objects);
    }
    const name = meta.name as string;
    if (obj) objects.set(name, obj);
    else {
      objects.delete(name);
      if (objects.size === 0) namespaces.delete(namespace);
    }
  }

  /** Stores a new version of an object under a fresh resourceVersion and tells the watchers. */
  put(info: ResourceInfo, obj: Obj, old: Obj | undefined): Obj {
    const rv = ++this.revision;
    const meta: Record<string, unknown> = { ...metaOf(obj), resourceVersion: String(rv) };
    const stored = { ...obj, metadata: meta };
    const key = objectKey(info.namespaced ? (meta.namespace as string) : undefined, meta.name as string);
    const bucket = this.bucket(info);
    this.indexOwners(info, key, bucket.get(key), stored);
    bucket.set(key, stored);
    this.index(info, meta, stored);
    this.emit({ type: old ? 'MODIFIED' : 'ADDED', resource: info, object: stored, old, rv });
    return stored;
  }

  remove(info: ResourceInfo, obj: Obj): Obj {
    const meta = metaOf(obj);
    const rv = ++this.revision;
    const key = objectKey(info.namespaced ? (meta.namespace as string) : undefined, meta.name as string);
    const bucket = this.bucket(info);
    this.indexOwners(info, key, bucket.get(key), undefined);
    bucket.delete(key);
    this.index(info, meta, undefined);
    const gone = { ...obj, metadata: { ...meta, resourceVersion: String(rv) } };
    this.emit({ type: 'DELETED', resource: info, object: gone, rv });
    return gone;
  }

  /** Loads persisted objects without events. */
  load(info: ResourceInfo, obj: Obj, revision: number): void {
    const meta = metaOf(obj);
    const key = objectKey(info.namespaced ? (meta.namespace as string) : undefined, meta.name as string);
    const bucket = this.bucket(info);
    this.indexOwners(info, key, bucket.get(key), obj);
    bucket.set(key, obj);
    this.index(info, meta, obj);
    this.revision = Math.max(this.revision, revision);
    this.compacted = this.revision;
  }

  /** Every object, for persistence. */
  entries(): Array<{ bucket: string; object: Obj }> {
    const out: Array<{ bucket: string; object: Obj }> = [];
    for (const [bucket, objects] of this.buckets) for (const object of objects.values()) out.push({ bucket, object });
    return out;
  }

  /** Events after `rv`, or undefined when history no longer reaches back that far (410 Expired). */
  since(rv: number): StoredEvent[] | undefined {
    if (rv < this.compacted) return undefined;
    const first = this.history.findIndex((e) => e.rv > rv);
    return first < 0 ? [] : this.history.slice(first);
  }

  /** Listeners now subscribed (open watches and the controllers' host), for leak checks. */
  get subscriberCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoredEvent): void {
    this.dirty = true;
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compacted = dropped[dropped.length - 1]!.rv;
    }
    for (const listener of this.listeners) listener(event);
  }
}
