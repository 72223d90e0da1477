import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Obj } from '../contracts.ts';
import type { Cluster } from './cluster.ts';
import type { CrdManager } from './crd.ts';
import { metaOf } from './store.ts';

interface StateFile {
  version: 1;
  resourceVersion: number;
  objects: Array<{ bucket: string; object: Obj }>;
}

/** Writes every object to `path` atomically (temp file, then rename), so a crash never leaves half a file. */
export function saveState(cluster: Cluster, path: string): void {
  const state: StateFile = { version: 1, resourceVersion: cluster.store.resourceVersion, objects: cluster.store.entries() };
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state));
  renameSync(temp, path);
  cluster.store.dirty = false;
}

/** Loads a state file: CRDs first, so that their custom resources have a type to land in. */
export function loadState(cluster: Cluster, crds: CrdManager, path: string): number {
  if (!existsSync(path)) return 0;
  const state = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
  const crdBucket = 'apiextensions.k8s.io/customresourcedefinitions';
  const ordered = [...state.objects.filter((e) => e.bucket === crdBucket), ...state.objects.filter((e) => e.bucket !== crdBucket)];
  let loaded = 0;
  for (const { bucket, object } of ordered) {
    const slash = bucket.indexOf('/');
    const group = bucket.slice(0, slash);
    const resource = bucket.slice(slash + 1);
    const info = cluster.registry.all().find((i) => i.group === group && i.resource === resource);
    if (!info) continue;
    cluster.store.load(info, object, Math.max(state.resourceVersion, Number(metaOf(object).resourceVersion) || 0));
    if (bucket === crdBucket) crds.register(object);
    loaded++;
  }
  cluster.store.dirty = false;
  return loaded;
}
