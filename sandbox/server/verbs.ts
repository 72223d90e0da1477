import { parse as parseYaml } from 'yaml';
import { ApiError, type Obj, type ResourceInfo } from '../contracts.ts';
import type { Cluster, WriteOptions } from './cluster.ts';
import { jsonPatch, mergePatch, serverSideApply, strategicMergePatch, typedPatchError } from './deps.ts';
import { badRequest, conflict, notFound, successStatus } from './status.ts';
import { strictYamlError } from './yamlstrict.ts';
import { decodePatched } from './patchdecode.ts';
import { metaOf } from './store.ts';
import { cloneJson } from '../json.ts';
import { getPath, isObj, rfc3339, setPath } from './util.ts';

export const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'application/apply-patch+cbor'];

function parseBody(raw: string, yaml: boolean): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    if (!yaml) throw badRequest(`error decoding patch: ${(err as Error).message}`);
    try {
      // Non-strict decoding: a repeated key takes the last value, as goyaml does.
      return parseYaml(raw, { uniqueKeys: false });
    } catch (yamlErr) {
      throw badRequest(`error decoding YAML: ${(yamlErr as Error).message}`);
    }
  }
}

export interface PatchOptions extends WriteOptions {
  force?: boolean;
  /** The fieldManager query parameter, which apply patches require. */
  explicitManager?: string;
}

/** PATCH of a main resource or its status subresource, by content type (handlers/patch.go). */
export function patchObject(cluster: Cluster, info: ResourceInfo, namespace: string | undefined, name: string, contentType: string, raw: string, opts: PatchOptions): { object: Obj; created: boolean } {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const old = cluster.store.get(info, namespace, name);
  if (type === 'application/apply-patch+yaml') {
    // ValidatePatchOptions (apiserver handlers/patch.go): a 422 on PatchOptions, not a 400.
    if (!opts.explicitManager) throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] });
    const applied = parseBody(raw, true);
    if (!isObj(applied)) throw badRequest('error decoding YAML: the apply configuration is not an object');
    const meta = isObj(applied.metadata) ? applied.metadata : {};
    if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    if (isObj(applied.metadata) && 'managedFields' in applied.metadata) throw badRequest('metadata.managedFields must be nil');
    // structuredmerge.go: the applied configuration must fit the schema, whatever fieldValidation
    // says; the real server answers with a plain error, hence a 500 without a reason.
    const typedError = typedPatchError(applied, cluster.schema(info));
    if (typedError) {
      const gvk = `${info.group}/${info.version}, Kind=${info.kind}`;
      throw new ApiError(500, '', `failed to create typed patch object (${typeof meta.namespace === 'string' ? meta.namespace : ''}/${name}; ${gvk}): ${typedError}`);
    }
    const merged = serverSideApply({
      live: old ? cluster.view(info, old) : undefined, applied, manager: opts.explicitManager, force: opts.force === true,
      schema: cluster.schema(info), apiVersion: cluster.apiVersion(info), subresource: opts.subresource, now: rfc3339(cluster.clock()),
      statusSubresource: info.subresources.status === true,
    });
    // applyPatcher checks strictness only once the apply itself went through.
    if (opts.fieldValidation === 'Strict') {
      const strict = strictYamlError(raw);
      if (strict) throw badRequest(`error strict decoding YAML: ${strict}`);
    }
    // The typed check above already refused undeclared fields, so the commit need not look again.
    const applyOpts = { ...opts, applied: true, decoded: true };
    if (!old) return { object: cluster.create(info, namespace, { ...merged, metadata: { ...metaOf(merged), name } }, applyOpts), created: true };
    return { object: cluster.update(info, namespace, name, merged, applyOpts), created: false };
  }
  if (!old) throw notFound(info, name);
  const base = cluster.view(info, old);
  const body = parseBody(raw, false);
  let patched: Obj;
  if (type === 'application/json-patch+json') {
    if (!Array.isArray(body)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    try {
      patched = jsonPatch(base, body);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${(err as Error).message}`);
    }
  } else if (type === 'application/merge-patch+json' || type === 'application/json') {
    if (!isObj(body)) throw badRequest('json: cannot unmarshal into Go value of type map[string]interface{}');
    patched = mergePatch(base, body);
  } else if (type === 'application/strategic-merge-patch+json') {
    if (info.custom) throw unsupported(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
    if (!isObj(body)) throw badRequest('json: cannot unmarshal into Go value of type map[string]interface{}');
    patched = strategicMergePatch(base, body, cluster.schema(info));
  } else throw unsupported(patchTypes.slice(0, 4));
  decodePatched(cluster, info, patched, opts, type === 'application/strategic-merge-patch+json' ? (body as Obj) : undefined);
  opts.decoded = true;
  return { object: cluster.update(info, namespace, name, patched, opts), created: false };
}

function unsupported(types: string[]): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${types.join(', ')}`);
}

/** The autoscaling/v1 Scale view of a workload. */
export function scaleOf(cluster: Cluster, info: ResourceInfo, obj: Obj): Obj {
  const scale = info.subresources.scale!;
  const meta = metaOf(obj);
  let selector = info.custom ? getPath(obj, scale.labelSelectorPath ?? '.status.selector') : selectorString(getPath(obj, '.spec.selector'));
  if (typeof selector !== 'string') selector = undefined;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp },
    spec: { replicas: (getPath(obj, scale.specReplicasPath) as number | undefined) ?? 0 },
    status: { replicas: (getPath(obj, scale.statusReplicasPath) as number | undefined) ?? 0, ...(selector ? { selector } : {}) },
  };
}

function selectorString(selector: unknown): string | undefined {
  if (!isObj(selector)) return undefined;
  const parts: string[] = Object.entries((selector.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
  for (const e of (selector.matchExpressions ?? []) as Array<{ key: string; operator: string; values?: string[] }>) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

export function writeScale(cluster: Cluster, info: ResourceInfo, namespace: string | undefined, name: string, scale: Obj, opts: WriteOptions): Obj {
  const old = cluster.store.get(info, namespace, name);
  if (!old) throw notFound(info, name);
  const rv = metaOf(scale).resourceVersion;
  if (rv && rv !== metaOf(old).resourceVersion) throw conflict(info, name);
  const replicas = getPath(scale, '.spec.replicas');
  if (typeof replicas !== 'number') throw badRequest('Scale.spec.replicas must be a number');
  const next = cloneJson(old);
  setPath(next, info.subresources.scale!.specReplicasPath, replicas);
  const updated = cluster.update(info, namespace, name, next, { ...opts, subresource: 'scale' });
  return scaleOf(cluster, info, updated);
}

export interface DeleteOptions {
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** DELETE as the generic registry store does it: preconditions, finalizers, graceful marking. */
export function deleteObject(cluster: Cluster, info: ResourceInfo, namespace: string | undefined, name: string, options: DeleteOptions): { body: Obj; deleted: boolean } {
  const old = cluster.store.get(info, namespace, name);
  if (!old) throw notFound(info, name);
  const meta = metaOf(old);
  const pre = options.preconditions;
  if (pre?.uid && pre.uid !== meta.uid) throw conflict(info, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(meta.uid)}`);
  if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) throw conflict(info, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(meta.resourceVersion)}`);
  const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Foreground' : undefined);
  if (policy && !['Foreground', 'Background', 'Orphan'].includes(policy)) throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}"`);
  const finalizers = [...((meta.finalizers as string[] | undefined) ?? [])];
  if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
  if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
  const isNamespace = info.group === '' && info.resource === 'namespaces';
  const nsFinalizers = isNamespace && ((old.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0;
  if (finalizers.length > 0 || nsFinalizers) {
    const same = meta.deletionTimestamp && finalizers.length === ((meta.finalizers as string[] | undefined) ?? []).length;
    if (same) return { body: cluster.view(info, old), deleted: false };
    const next: Obj = { ...old, metadata: { ...meta, finalizers: finalizers.length > 0 ? finalizers : undefined } };
    const nextMeta = metaOf(next);
    if (nextMeta.finalizers === undefined) delete nextMeta.finalizers;
    if (!nextMeta.deletionTimestamp) {
      nextMeta.deletionTimestamp = rfc3339(cluster.clock());
      nextMeta.deletionGracePeriodSeconds = 0;
      if (typeof nextMeta.generation === 'number') nextMeta.generation += 1;
    }
    if (isNamespace) next.status = { ...(old.status as Obj | undefined), phase: 'Terminating' };
    if (options.dryRun) return { body: cluster.view(info, next), deleted: false };
    const stored = cluster.store.put(info, next, old);
    return { body: cluster.view(info, stored), deleted: false };
  }
  if (options.dryRun) return { body: info.custom ? cluster.view(info, old) : successStatus(info, name, meta.uid), deleted: true };
  const gone = cluster.store.remove(info, old);
  return { body: info.custom || info.resource === 'pods' ? cluster.view(info, gone) : successStatus(info, name, meta.uid), deleted: true };
}
