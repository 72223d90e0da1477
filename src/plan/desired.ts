import { DriftlessError, where } from '../core/errors.ts';
import { groupOf, isRecord, refKey, refOf, refString, versionOf } from '../core/objects.ts';
import type { KubeObject, Manifest, ObjectRef, Origin } from '../core/types.ts';
import type { AppConfig } from '../config/types.ts';
import type { ClusterClient, ResourceType } from '../ports/cluster.ts';
import type { Keyring } from '../core/keyring.ts';
import { appliedHash } from './hash.ts';
import { applyIgnoreRules, stampObject } from './stamp.ts';
import { APPLIED_HASH_ANNOTATION } from '../core/labels.ts';

/** One object as driftless will apply it: stamped, namespaced, ignore rules applied, hashed. */
export interface DesiredObject {
  object: KubeObject;
  origin: Origin;
  ref: ObjectRef;
  key: string;
  type: ResourceType;
  /** The type is defined by a CRD in this same render and not served yet. */
  pendingCrd: boolean;
  hash: string;
  /** The app's namespace as `createNamespace` asks for it (not from the repository). */
  implicit?: true;
}

/** Served version and scope of a CRD in the render, for kinds the server does not know yet. */
function typeFromCrds(manifests: Manifest[], apiVersion: string, kind: string): ResourceType | undefined {
  const group = groupOf(apiVersion);
  const version = versionOf(apiVersion);
  for (const { object } of manifests) {
    if (object.kind !== 'CustomResourceDefinition' || groupOf(object.apiVersion) !== 'apiextensions.k8s.io') continue;
    const spec = isRecord(object.spec) ? object.spec : {};
    const names = isRecord(spec.names) ? spec.names : {};
    if (spec.group !== group || names.kind !== kind) continue;
    const versions = Array.isArray(spec.versions) ? spec.versions : [];
    if (!versions.some((v) => isRecord(v) && v.name === version && v.served !== false)) continue;
    return { group, version, kind, plural: String(names.plural ?? `${kind.toLowerCase()}s`), namespaced: spec.scope !== 'Cluster' };
  }
  return undefined;
}

/** What stamping needs to know about the app (a function takes what it uses). */
export type StampOptions = Pick<AppConfig, 'name' | 'namespace' | 'createNamespace' | 'ignore' | 'origin'>;

/** What the allow lists check needs to know about the app. */
export type AllowOptions = Pick<AppConfig, 'name' | 'allow'>;

/** The implicit Namespace `createNamespace: true` asks for: driftless's own labels only, nothing from the repository. */
export function namespaceManifest(app: Pick<AppConfig, 'namespace' | 'origin'>): Manifest {
  return { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: app.namespace } }, origin: { file: app.origin.file } };
}

/**
 * Resolves every kind through discovery (refreshing once before calling one unknown), then stamps
 * and hashes each object. Unknown kinds fail naming the kind and every file that uses it.
 */
export async function prepareDesired(cluster: ClusterClient, app: StampOptions, rendered: Manifest[], keyring: Keyring): Promise<DesiredObject[]> {
  const manifests = [...rendered];
  // A repository Namespace of the same name is not merged into it: it is an ordinary cluster-scoped object (checkAllowed).
  const implicit = app.createNamespace && !manifests.some((m) => m.object.kind === 'Namespace' && groupOf(m.object.apiVersion) === '' && m.object.metadata.name === app.namespace) ? namespaceManifest(app) : undefined;
  if (implicit) manifests.unshift(implicit);
  const types = new Map<string, { type?: ResourceType; pending: boolean }>();
  const unknown: string[] = [];
  for (const { object, origin } of manifests) {
    const id = `${object.apiVersion}/${object.kind}`;
    if (types.has(id)) continue;
    let type = await cluster.resolve(object.apiVersion, object.kind);
    type ??= await cluster.resolve(object.apiVersion, object.kind, { refresh: true });
    const pendingType = type ? undefined : typeFromCrds(manifests, object.apiVersion, object.kind);
    types.set(id, { type: type ?? pendingType, pending: !type && pendingType !== undefined });
    if (!type && !pendingType) {
      const files = manifests.filter((m) => m.object.apiVersion === object.apiVersion && m.object.kind === object.kind).map((m) => where(m.origin.file, m.origin.line));
      unknown.push(`${where(origin.file, origin.line)}: unknown kind ${object.kind} in ${object.apiVersion} (the cluster does not serve it${files.length > 1 ? `; also used in ${files.slice(1).join(', ')}` : ''}); install its CRD or fix apiVersion/kind`);
    }
  }
  if (unknown.length > 0) {
    const first = manifests.find((m) => !types.get(`${m.object.apiVersion}/${m.object.kind}`)?.type)!;
    throw new DriftlessError('UNKNOWN_KIND', unknown.join('\n'), { file: first.origin.file, object: `${first.object.kind} ${first.object.metadata.name ?? ''}` });
  }
  const seen = new Map<string, Origin>();
  return manifests.map((manifest) => {
    const { object, origin } = manifest;
    const resolved = types.get(`${object.apiVersion}/${object.kind}`)!;
    const type = resolved.type!;
    const stamped = applyIgnoreRules(stampObject(object, app.name, type.namespaced ? app.namespace : undefined), app.ignore);
    const ref = refOf(stamped);
    const key = refKey(ref);
    const before = seen.get(key);
    if (before) throw new DriftlessError('DUPLICATE_OBJECT', `${refString(ref)} is defined twice: ${where(before.file, before.line)} and ${where(origin.file, origin.line)}`, { file: origin.file, object: refString(ref) });
    seen.set(key, origin);
    // The hash covers everything applied except itself; it then rides along in the same patch.
    const hash = appliedHash(stamped, keyring);
    stamped.metadata.annotations = { ...(stamped.metadata.annotations ?? {}), [APPLIED_HASH_ANNOTATION]: hash };
    return { object: stamped, origin, ref, key, type, pendingCrd: resolved.pending, hash, ...(manifest === implicit ? { implicit: true as const } : {}) };
  });
}

function kindAllowed(patterns: string[], ref: ObjectRef): boolean {
  return patterns.some((p) => p === '*' || p === ref.kind || p === `${ref.kind}.${ref.group}` || (ref.group === '' && p === `${ref.kind}.core`));
}

/** The app's allow lists, enforced before anything is written; every violation is named. */
export function checkAllowed(app: AllowOptions, desired: DesiredObject[]): void {
  const problems: DesiredObject[] = [];
  const reasons: string[] = [];
  for (const d of desired) {
    let reason: string | undefined;
    // createNamespace creates the app's namespace whatever the allow lists say (a repository
    // Namespace of that name is checked like any other cluster-scoped object).
    if (d.implicit) continue;
    if (!kindAllowed(app.allow.kinds, d.ref)) reason = `kind ${d.ref.group ? `${d.ref.kind}.${d.ref.group}` : d.ref.kind} is not in the allowed kinds (${app.allow.kinds.join(', ')})`;
    else if (d.type.namespaced && !app.allow.namespaces.includes('*') && !app.allow.namespaces.includes(d.ref.namespace ?? '')) reason = `namespace "${d.ref.namespace}" is not in the allowed namespaces (${app.allow.namespaces.join(', ')})`;
    else if (!d.type.namespaced && !app.allow.clusterScoped) reason = 'cluster-scoped objects are not allowed (allow.clusterScoped: false)';
    if (reason) {
      problems.push(d);
      reasons.push(`${where(d.origin.file, d.origin.line)}: ${refString(d.ref)}: ${reason}`);
    }
  }
  if (problems.length > 0) {
    throw new DriftlessError('NOT_ALLOWED', `app ${app.name} may not write these objects (nothing was applied):\n${reasons.join('\n')}`, { file: problems[0]!.origin.file, object: refString(problems[0]!.ref) });
  }
}
