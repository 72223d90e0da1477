import { DriftlessError } from '../../src/core/errors.ts';
import { groupOf, isRecord, refKey, refOf } from '../../src/core/objects.ts';
import type { KubeObject, ManagedFieldsEntry } from '../../src/core/types.ts';
import type { ApplyOptions, ClusterClient, DeletePreconditions, JsonPatchOperation, ResourceType } from '../../src/ports/cluster.ts';

/**
 * An in-memory ClusterClient for fast unit tests of plan/apply/prune/health. Server-side apply is
 * simplified (field ownership per manager as FieldsV1 sets; lists are atomic) but keeps the
 * properties the engine relies on: defaults the server adds, a field leaves when its last owner
 * stops applying it, client-side managers keep theirs, no-op writes keep the resourceVersion.
 */
const builtin: ResourceType[] = [
  ['', 'v1', 'Namespace', 'namespaces', false],
  ['', 'v1', 'ConfigMap', 'configmaps', true],
  ['', 'v1', 'Secret', 'secrets', true],
  ['', 'v1', 'Service', 'services', true],
  ['', 'v1', 'ServiceAccount', 'serviceaccounts', true],
  ['', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true],
  ['', 'v1', 'Pod', 'pods', true],
  ['apps', 'v1', 'Deployment', 'deployments', true],
  ['apps', 'v1', 'StatefulSet', 'statefulsets', true],
  ['batch', 'v1', 'Job', 'jobs', true],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false],
  ['storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false],
  ['apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false],
].map(([group, version, kind, plural, namespaced]) => ({ group, version, kind, plural, namespaced }) as ResourceType);

type Fields = Record<string, unknown>;
interface Owner { operation: 'Apply' | 'Update'; fields: Fields }
interface Stored { object: KubeObject; owners: Map<string, Owner> }

export function fieldsOf(value: unknown): Fields {
  const out: Fields = {};
  if (!isRecord(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    if (['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields'].includes(key)) continue;
    out[`f:${key}`] = isRecord(v) && Object.keys(v).length > 0 ? fieldsOf(v) : {};
  }
  return out;
}

function leaves(fields: Fields, prefix: string[] = []): string[][] {
  const keys = Object.keys(fields).filter((k) => k !== '.');
  if (keys.length === 0) return prefix.length ? [prefix] : [];
  return keys.flatMap((k) => leaves(fields[k] as Fields, [...prefix, k.slice(2)]));
}

function hasPath(fields: Fields, path: string[]): boolean {
  let node: unknown = fields;
  for (const p of path) {
    if (!isRecord(node) || !(`f:${p}` in node)) return false;
    node = node[`f:${p}`];
  }
  return true;
}

function removePath(obj: Record<string, unknown>, path: string[]): void {
  let node: unknown = obj;
  for (const p of path.slice(0, -1)) node = isRecord(node) ? node[p] : undefined;
  if (isRecord(node)) delete node[path[path.length - 1]!];
}

function valueAt(obj: unknown, path: string[]): unknown {
  let node: unknown = obj;
  for (const p of path) node = isRecord(node) ? node[p] : undefined;
  return node;
}

function merge(base: unknown, patch: unknown): unknown {
  if (!isRecord(base) || !isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(base[k], v);
  return out;
}

export interface Counters { total: number; writes: number; dryRun: number; lists: number; gets: number; discovery: number }

export class MemoryCluster implements ClusterClient {
  readonly server = 'memory://cluster';
  readonly types: ResourceType[] = [...builtin];
  readonly store = new Map<string, Stored>();
  counters: Counters = { total: 0, writes: 0, dryRun: 0, lists: 0, gets: 0, discovery: 0 };
  private version = 1;
  /** Return an error to make an apply (dry run or not) fail. */
  failApply?: (object: KubeObject, options: ApplyOptions) => DriftlessError | undefined;
  /** Whether workloads are made ready at once (as if controllers ran instantly). */
  autoReady = true;
  openApiDocs = new Map<string, Record<string, unknown>>();

  constructor() {
    for (const ns of ['default', 'kube-system']) this.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'kube-apiserver');
  }

  resetCounters(): void {
    this.counters = { total: 0, writes: 0, dryRun: 0, lists: 0, gets: 0, discovery: 0 };
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceType | undefined> {
    this.counters.discovery++;
    return this.types.find((t) => t.kind === kind && t.group === groupOf(apiVersion) && (t.version === apiVersion.split('/').pop()));
  }

  private render(stored: Stored): KubeObject {
    const obj = structuredClone(stored.object);
    obj.metadata.managedFields = [...stored.owners.entries()].map(([manager, o]): ManagedFieldsEntry => ({ manager, operation: o.operation, apiVersion: obj.apiVersion, fieldsType: 'FieldsV1', fieldsV1: structuredClone(o.fields) }));
    return obj;
  }

  private typeOf(obj: KubeObject): ResourceType {
    const t = this.types.find((x) => x.kind === obj.kind && x.group === groupOf(obj.apiVersion));
    if (!t) throw new Error(`memory cluster: no type for ${obj.apiVersion}/${obj.kind}`);
    return t;
  }

  private key(type: ResourceType, name: string, namespace?: string): string {
    return refKey(type.namespaced && namespace ? { group: type.group, kind: type.kind, namespace, name } : { group: type.group, kind: type.kind, name });
  }

  /** Stores an object as a manager's Update (kubectl client-side apply, another controller...). */
  seed(object: KubeObject, manager = 'kubectl-client-side-apply', operation: 'Apply' | 'Update' = 'Update'): KubeObject {
    const type = this.typeOf(object);
    const key = this.key(type, object.metadata.name ?? '', object.metadata.namespace);
    const stored: Stored = this.store.get(key) ?? { object: { apiVersion: object.apiVersion, kind: object.kind, metadata: {} }, owners: new Map() };
    stored.object = this.finish(merge(stored.object, object) as KubeObject, stored.object);
    stored.owners.set(manager, { operation, fields: fieldsOf(object) });
    this.store.set(key, stored);
    return this.render(stored);
  }

  private finish(next: KubeObject, previous: KubeObject | undefined): KubeObject {
    const meta = next.metadata;
    meta.uid ??= `uid-${this.version}`;
    meta.creationTimestamp ??= '2026-01-01T00:00:00Z';
    if (next.kind === 'Deployment' && isRecord(next.spec)) {
      next.spec.replicas ??= 1;
      next.spec.progressDeadlineSeconds ??= 600;
    }
    const same = previous && JSON.stringify({ ...previous, status: undefined, metadata: { ...previous.metadata, resourceVersion: undefined, generation: undefined } }) === JSON.stringify({ ...next, status: undefined, metadata: { ...meta, resourceVersion: undefined, generation: undefined } });
    if (same) {
      meta.resourceVersion = previous.metadata.resourceVersion;
      meta.generation = previous.metadata.generation;
    } else {
      meta.resourceVersion = String(++this.version);
      if (['Deployment', 'StatefulSet', 'Job'].includes(next.kind)) meta.generation = (previous?.metadata.generation ?? 0) + (JSON.stringify(previous?.spec) === JSON.stringify(next.spec) ? 0 : 1);
    }
    if (this.autoReady && next.kind === 'Deployment' && isRecord(next.spec)) {
      const n = next.spec.replicas as number;
      next.status = { observedGeneration: meta.generation, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n };
    }
    if (this.autoReady && next.kind === 'PersistentVolumeClaim') next.status = { phase: 'Bound' };
    if (this.autoReady && next.kind === 'CustomResourceDefinition') next.status = { conditions: [{ type: 'Established', status: 'True' }] };
    return next;
  }

  async list(type: ResourceType, namespace?: string, options: { labelSelector?: string } = {}): Promise<KubeObject[]> {
    this.counters.total++;
    this.counters.lists++;
    // Equality terms only (a=b,c=d): what the health wait's pod lookups send for matchLabels.
    const terms = (options.labelSelector ?? '').split(',').filter(Boolean).map((t) => t.split('=') as [string, string]);
    const matches = (o: KubeObject): boolean => terms.every(([k, v]) => o.metadata.labels?.[k] === v);
    const same = (t: ResourceType): boolean => t.group === type.group && t.kind === type.kind;
    return [...this.store.values()].filter((s) => same(this.typeOf(s.object)) && (!namespace || !type.namespaced || s.object.metadata.namespace === namespace) && matches(s.object)).map((s) => this.render(s));
  }

  async get(type: ResourceType, name: string, namespace?: string): Promise<KubeObject | undefined> {
    this.counters.total++;
    this.counters.gets++;
    const stored = this.store.get(this.key(type, name, namespace));
    return stored ? this.render(stored) : undefined;
  }

  async apply(type: ResourceType, object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    this.counters.total++;
    if (options.dryRun) this.counters.dryRun++;
    else this.counters.writes++;
    const injected = this.failApply?.(object, options);
    if (injected) throw injected;
    const ns = object.metadata.namespace;
    if (type.namespaced && ns && !this.store.has(this.key(this.types[0]!, ns))) throw new DriftlessError('APPLY_FAILED', `namespaces "${ns}" not found`, { status: 404 });
    if (object.kind === 'Deployment' && !(isRecord(object.spec) && object.spec.selector)) throw new DriftlessError('APPLY_FAILED', `Deployment.apps "${object.metadata.name}" is invalid: spec.selector: Required value`, { status: 422 });
    const key = this.key(type, object.metadata.name ?? '', ns);
    const current = this.store.get(key);
    const owners = new Map(current?.owners ?? []);
    const applied = fieldsOf(object);
    let next = structuredClone(current?.object ?? { apiVersion: object.apiVersion, kind: object.kind, metadata: {} }) as KubeObject;
    const previous = owners.get(options.fieldManager)?.fields ?? {};
    for (const path of leaves(previous)) {
      const ownedElsewhere = [...owners.entries()].some(([m, o]) => m !== options.fieldManager && hasPath(o.fields, path));
      if (!hasPath(applied, path) && !ownedElsewhere) removePath(next, path);
    }
    for (const [manager, owner] of owners) {
      if (manager === options.fieldManager) continue;
      // Agreeing on a value is shared ownership, as in real server-side apply; only differences are taken.
      const taken = leaves(owner.fields).filter((p) => hasPath(applied, p) && JSON.stringify(valueAt(next, p)) !== JSON.stringify(valueAt(object, p)));
      if (taken.length === 0) continue;
      if (!options.force) throw new DriftlessError('APPLY_CONFLICT', `Apply failed with ${taken.length} conflict: conflict with "${manager}": .${taken[0]!.join('.')}`, { status: 409 });
      let fields = structuredClone(owner.fields);
      for (const p of taken) fields = this.without(fields, p);
      if (leaves(fields).length === 0) owners.delete(manager);
      else owners.set(manager, { ...owner, fields });
    }
    owners.set(options.fieldManager, { operation: 'Apply', fields: applied });
    next = this.finish(merge(next, object) as KubeObject, current?.object);
    const stored = { object: next, owners };
    if (!options.dryRun) this.store.set(key, stored);
    return this.render(stored);
  }

  private without(fields: Fields, path: string[]): Fields {
    const copy = structuredClone(fields);
    const chain: Fields[] = [copy];
    for (const p of path.slice(0, -1)) chain.push(chain[chain.length - 1]![`f:${p}`] as Fields);
    delete chain[chain.length - 1]![`f:${path[path.length - 1]!}`];
    // Empty parents go too, as in real managedFields.
    for (let i = chain.length - 1; i > 0; i--) if (Object.keys(chain[i]!).length === 0) delete chain[i - 1]![`f:${path[i - 1]!}`];
    return copy;
  }

  async patchJson(type: ResourceType, name: string, namespace: string | undefined, ops: JsonPatchOperation[]): Promise<KubeObject> {
    this.counters.total++;
    this.counters.writes++;
    const stored = this.store.get(this.key(type, name, namespace));
    if (!stored) throw new DriftlessError('APPLY_FAILED', `${type.plural} "${name}" not found`, { status: 404 });
    for (const op of ops) {
      if (op.op === 'test' && op.path === '/metadata/resourceVersion' && op.value !== stored.object.metadata.resourceVersion) throw new DriftlessError('APPLY_FAILED', 'the server rejected our request due to an error in our request', { status: 422 });
      if (op.op === 'replace' && op.path === '/metadata/managedFields') {
        stored.owners = new Map((op.value as ManagedFieldsEntry[]).map((e) => [e.manager!, { operation: e.operation ?? 'Update', fields: (e.fieldsV1 ?? {}) as Fields }]));
      }
    }
    stored.object.metadata.resourceVersion = String(++this.version);
    return this.render(stored);
  }

  async delete(type: ResourceType, name: string, namespace?: string, preconditions?: DeletePreconditions): Promise<boolean> {
    this.counters.total++;
    this.counters.writes++;
    const key = this.key(type, name, namespace);
    const meta = this.store.get(key)?.object.metadata;
    // As the API server does: a precondition that no longer holds is a 409, and nothing is deleted.
    if (meta && preconditions && ((preconditions.uid && preconditions.uid !== meta.uid) || (preconditions.resourceVersion && preconditions.resourceVersion !== meta.resourceVersion))) {
      throw new DriftlessError('APPLY_CONFLICT', `Operation cannot be fulfilled on ${type.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { status: 409 });
    }
    return this.store.delete(key);
  }

  async openApi(group: string, version: string): Promise<Record<string, unknown> | undefined> {
    return this.openApiDocs.get(`${group}/${version}`);
  }

  /** Test helper: the stored object (with managedFields), by kind/namespace/name. */
  find(kind: string, name: string, namespace?: string): KubeObject | undefined {
    for (const s of this.store.values()) if (s.object.kind === kind && s.object.metadata.name === name && (namespace === undefined || s.object.metadata.namespace === namespace)) return this.render(s);
    return undefined;
  }

  refs(): string[] {
    return [...this.store.values()].map((s) => refKey(refOf(s.object))).sort();
  }
}
