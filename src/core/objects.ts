import type { KubeObject, ObjectRef } from './types.ts';

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { group: groupOf(obj.apiVersion), kind: obj.kind, name: obj.metadata.name ?? '' };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}

/** Stable key for maps and sets: "group/Kind/namespace/name". */
export function refKey(ref: ObjectRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** Human form used in messages: "Deployment web (ns production)" → "apps/Deployment production/web". */
export function refString(ref: ObjectRef): string {
  const kind = ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
  return ref.namespace ? `${kind} ${ref.namespace}/${ref.name}` : `${kind} ${ref.name}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "group/Kind": the key of a kind whatever its version. */
export function kindKey(ref: { group: string; kind: string }): string {
  return `${ref.group}/${ref.kind}`;
}

/** The kind a CustomResourceDefinition object serves ("group/Kind"), undefined for any other object. */
export function crdServedKind(obj: KubeObject): string | undefined {
  if (obj.kind !== 'CustomResourceDefinition' || groupOf(obj.apiVersion) !== 'apiextensions.k8s.io' || !isRecord(obj.spec)) return undefined;
  const { group, names } = obj.spec;
  return typeof group === 'string' && isRecord(names) && typeof names.kind === 'string' ? kindKey({ group, kind: names.kind }) : undefined;
}
