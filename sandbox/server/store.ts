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
  return `${info.group}/${info.resource}`;
}

export function metaOf(obj: Obj): Record<string, unknown> {
  return (obj.metadata ?? {}) as Record<string, unknown>;
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
    const bucket = this.buckets.get(bucketKey(info));
    if (!bucket) return [];
    const all = [...bucket.values()];
    if (!namespace || !info.namespaced) return all;
    return all.filter((o) => metaOf(o).namespace === namespace);
  }

  /** Stores a new version of an object under a fresh resourceVersion and tells the watchers. */
  put(info: ResourceInfo, obj: Obj, old: Obj | undefined): Obj {
    const rv = ++this.revision;
    const meta: Record<string, unknown> = { ...metaOf(obj), resourceVersion: String(rv) };
    const stored = { ...obj, metadata: meta };
    this.bucket(info).set(objectKey(info.namespaced ? (meta.namespace as string) : undefined, meta.name as string), stored);
    this.emit({ type: old ? 'MODIFIED' : 'ADDED', resource: info, object: stored, old, rv });
    return stored;
  }

  remove(info: ResourceInfo, obj: Obj): Obj {
    const meta = metaOf(obj);
    const rv = ++this.revision;
    this.bucket(info).delete(objectKey(info.namespaced ? (meta.namespace as string) : undefined, meta.name as string));
    const gone = { ...obj, metadata: { ...meta, resourceVersion: String(rv) } };
    this.emit({ type: 'DELETED', resource: info, object: gone, rv });
    return gone;
  }

  /** Loads persisted objects without events. */
  load(info: ResourceInfo, obj: Obj, revision: number): void {
    const meta = metaOf(obj);
    this.bucket(info).set(objectKey(info.namespaced ? (meta.namespace as string) : undefined, meta.name as string), obj);
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
