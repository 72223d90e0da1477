import { ApiError, type Obj, type ResourceInfo } from '../contracts.ts';
import type { Auth, User } from './auth.ts';
import type { Cluster, FieldValidation, WriteOptions } from './cluster.ts';
import { defaultPropagationPolicy, jobOrphanWarning, jsonPatch, mergePatch } from './deps.ts';
import type { RequestInfo } from './request.ts';
import { reviewResponse, reviewKinds } from './reviews.ts';
import { labelsOf, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { badRequest, conflict, notFound } from './status.ts';
import { dryRunCauses, fieldValidationCauses, queryBool } from './query.ts';
import { invalidStatus as invalid } from './deps.ts';
import { metaOf } from './store.ts';
import { toTable } from './tables.ts';
import type { Request, Response } from './transport.ts';
import { deleteObject, patchObject, scaleOf, writeScale, type DeleteOptions } from './verbs.ts';
import { isObj } from './util.ts';
import { Suspended, type Pending } from './admission/chain.ts';
import { admitDeletePolicies } from './admission/policy.ts';
import { admitMutatingWebhooks, admitValidatingWebhooks, candidateHooks, type Attributes, type Hook, type Operation } from './admission/webhooks.ts';
import { serveWatch } from './watch.ts';

export interface Reply {
  status: number;
  body: unknown;
  warnings?: string[];
}

export interface ResourceRequest {
  ri: RequestInfo;
  params: URLSearchParams;
  req: Request;
  res: Response;
  body: string;
  user: User;
  auth: Auth;
  /** Stop the write after mutating admission (its webhooks run next, see serveWithWebhooks). */
  suspend?: boolean;
}

export const resourceNotFound = (): ApiError => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

function parseJson(body: string): Obj {
  if (!body.trim()) throw badRequest('the body of the request was empty');
  try {
    const v: unknown = JSON.parse(body);
    if (!isObj(v)) throw new Error('not an object');
    return v;
  } catch (err) {
    throw badRequest(`the body of the request was in an unknown format: ${(err as Error).message}`);
  }
}

/** The options kind a verb's query parameters decode into, as named in their 422s. */
const optionsKind: Record<string, string> = { create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions', delete: 'DeleteOptions', deletecollection: 'DeleteOptions' };

function writeOptions(r: ResourceRequest): WriteOptions {
  const dryRun = r.params.getAll('dryRun');
  const fv = r.params.get('fieldValidation');
  const causes = [...dryRunCauses(dryRun), ...fieldValidationCauses(r.params.has('fieldValidation') ? fv ?? '' : undefined)];
  // ValidateCreateOptions and friends (apimachinery meta/v1/validation): a 422 on the options kind.
  if (causes.length > 0) throw invalid({ group: 'meta.k8s.io', kind: optionsKind[r.ri.verb] ?? 'CreateOptions' }, '', causes);
  const ua = r.req.headers['user-agent'] ?? '';
  const manager = r.params.get('fieldManager') || ua.split('/')[0] || 'unknown';
  return {
    manager, dryRun: dryRun.length > 0, fieldValidation: (fv || undefined) as FieldValidation | undefined, warnings: [],
    user: r.user, escalation: r.auth.escalation(r.user), admit: r.auth.admission(r.user), ...(r.suspend ? { suspend: true } : {}),
  };
}

type Shape = 'table' | 'partial' | 'plain';
function shapeOf(accept: string | undefined): Shape {
  const first = (accept ?? '').split(',').find((p) => !p.includes('protobuf')) ?? '';
  if (/as=Table/i.test(first)) return 'table';
  if (/as=PartialObjectMetadata/i.test(first)) return 'partial';
  return 'plain';
}

function withoutTypeMeta(o: Obj): Obj {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

const partial = (o: Obj): Obj => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata });

/** The warning every v1 Endpoints request gets since 1.33 (KEP-4974). */
export const endpointsDeprecation = 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice';

/** Serves one resource request; returns undefined when it streamed the answer itself (watch). */
export function handleResource(cluster: Cluster, r: ResourceRequest): Reply | undefined | Promise<Reply | undefined> {
  const hooks = webhooksFor(cluster, r);
  if (hooks) return serveWithWebhooks(cluster, r, hooks, (rr) => finish(serve(cluster, rr), r));
  return finish(serve(cluster, r), r);
}

function finish(reply: Reply | undefined, r: ResourceRequest): Reply | undefined {
  if (reply && r.ri.group === '' && r.ri.resource === 'endpoints') reply.warnings = [...(reply.warnings ?? []), endpointsDeprecation];
  return reply;
}

/** The operation a write is admitted as (a PATCH or PUT that creates is a CREATE). */
function operationOf(cluster: Cluster, info: ResourceInfo, r: ResourceRequest): Operation | undefined {
  const { verb } = r.ri;
  if (verb === 'create') return 'CREATE';
  if (verb === 'delete') return 'DELETE';
  if (verb !== 'update' && verb !== 'patch') return undefined;
  return cluster.store.get(info, info.namespaced ? r.ri.namespace : undefined, r.ri.name ?? '') ? 'UPDATE' : 'CREATE';
}

/** The webhooks whose rules match this write; undefined (no extra work) when there are none. */
function webhooksFor(cluster: Cluster, r: ResourceRequest): { hooks: Hook[]; info: ResourceInfo; operation: Operation } | undefined {
  const { ri } = r;
  if (!['create', 'update', 'patch', 'delete'].includes(ri.verb) || !ri.name && ri.verb !== 'create' || ri.subresource === 'scale') return undefined;
  const info = cluster.registry.lookup(ri.group, ri.version, ri.resource);
  if (!info) return undefined;
  const operation = operationOf(cluster, info, r);
  if (!operation) return undefined;
  const hooks = candidateHooks(cluster, info, ri.subresource, operation);
  return hooks.length > 0 ? { hooks, info, operation } : undefined;
}

/**
 * A write that webhooks admit, in the real chain's order: the request runs up to the end of the
 * built-in mutating plugins and stops (`suspend`); the mutating webhooks change the object (with
 * reinvocation); then validation and the built-in validating plugins (and the policy slot), the
 * validating webhooks in parallel, ResourceQuota, and the store. Dry runs take the same path and
 * stop short of storing. A DELETE sends the old object to the webhooks, then deletes.
 */
async function serveWithWebhooks(cluster: Cluster, r: ResourceRequest, found: { hooks: Hook[]; info: ResourceInfo; operation: Operation }, run: (r: ResourceRequest) => Reply | undefined): Promise<Reply | undefined> {
  const { info, operation, hooks } = found;
  const ns = info.namespaced ? r.ri.namespace : undefined;
  const dryRun = r.params.getAll('dryRun').length > 0;
  const options = { apiVersion: 'meta.k8s.io/v1', kind: `${r.ri.verb === 'patch' ? 'Patch' : operation === 'CREATE' ? 'Create' : operation === 'UPDATE' ? 'Update' : 'Delete'}Options`, ...(r.params.get('fieldManager') ? { fieldManager: r.params.get('fieldManager') } : {}), ...(dryRun ? { dryRun: ['All'] } : {}) };
  const base = { info, subresource: r.ri.subresource, operation, namespace: ns, dryRun, user: r.user, options };
  if (operation === 'DELETE') {
    const old = cluster.store.get(info, ns, r.ri.name ?? '');
    const oldObject = old ? cluster.view(info, old) : undefined;
    await admitMutatingWebhooks(cluster, hooks, { ...base, name: r.ri.name ?? '', oldObject }, (o) => o);
    await admitValidatingWebhooks(cluster, hooks, { ...base, name: r.ri.name ?? '', oldObject });
    return run(r);
  }
  for (let attempt = 1; ; attempt++) {
    const reply = await admitAndWrite(cluster, r, info, operation, hooks, base, run);
    if (reply !== 'stale') return reply;
    // Written by someone else while the webhooks ran: after a few rounds, the conflict a client retries.
    if (attempt >= 5) throw conflict(info, r.ri.name ?? '');
  }
}

/** One round of a create or update through the chain with its webhooks; 'stale' when the store moved under it. */
async function admitAndWrite(cluster: Cluster, r: ResourceRequest, info: ResourceInfo, operation: Operation, hooks: Hook[], base: Omit<Attributes, 'name' | 'object' | 'oldObject'>, run: (r: ResourceRequest) => Reply | undefined): Promise<Reply | undefined | 'stale'> {
  let pending: Pending;
  try {
    return run({ ...r, suspend: true });
  } catch (err) {
    if (!(err instanceof Suspended)) throw err;
    pending = err.pending;
  }
  const view = (o: Obj): Obj => cluster.view(info, o);
  const oldObject = pending.old ? view(pending.old) : undefined;
  // The attributes' name is fixed when the request arrives: empty for a generateName create.
  const name = String(metaOf(pending.next).name ?? r.ri.name ?? '');
  const attrs = (): Attributes => ({ ...base, name, object: view(pending.next), oldObject });
  // The webhooks' results land in pending.next through remutate (defaulted, built-ins rerun on reinvocation).
  await admitMutatingWebhooks(cluster, hooks, attrs(), (o, rerun) => {
    cluster.remutate(pending, o, rerun);
    return view(pending.next);
  });
  cluster.admitValidation(pending);
  await admitValidatingWebhooks(cluster, hooks, attrs());
  const stored = cluster.resume(pending);
  if (!stored) return 'stale';
  return finish({ status: operation === 'CREATE' ? 201 : 200, body: view(stored), warnings: pending.opts.warnings }, r);
}

function serve(cluster: Cluster, r: ResourceRequest): Reply | undefined {
  const { ri, params } = r;
  if (reviewKinds.has(ri.resource) && ri.verb === 'create') return { status: 201, body: reviewResponse(ri.resource, parseJson(r.body), r.user, r.auth, cluster) };
  if (ri.group === '' && ri.resource === 'serviceaccounts' && ri.subresource === 'token' && ri.verb === 'create' && ri.namespace && ri.name) {
    return { status: 201, body: r.auth.tokens.tokenRequest(ri.namespace, ri.name, parseJson(r.body)) };
  }
  const info = cluster.registry.lookup(ri.group, ri.version, ri.resource);
  if (info && info.group === '' && info.resource === 'pods' && ri.subresource === 'log' && ri.verb === 'get') return podLog(cluster, info, ri.namespace, ri.name!, params);
  if (!info || (ri.subresource && !['status', 'scale', 'finalize'].includes(ri.subresource))) throw resourceNotFound();
  if (ri.subresource === 'scale' && !info.subresources.scale) throw resourceNotFound();
  if (ri.subresource === 'finalize' && !(info.group === '' && info.resource === 'namespaces')) throw resourceNotFound();
  if (ri.subresource === 'status' && !info.subresources.status && !(info.resource === 'namespaces')) throw resourceNotFound();
  if (!ri.subresource && !info.verbs.includes(ri.verb)) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
  if (!info.namespaced && ri.namespace !== undefined) throw resourceNotFound();
  const ns = info.namespaced ? ri.namespace : undefined;
  if (info.namespaced && !ns && !['list', 'watch', 'deletecollection'].includes(ri.verb)) throw resourceNotFound();
  const shape = shapeOf(r.req.headers.accept);
  switch (ri.verb) {
    case 'get': {
      const obj = cluster.store.get(info, ns, ri.name!);
      if (!obj) throw notFound(info, ri.name!);
      if (ri.subresource === 'scale') return { status: 200, body: scaleOf(cluster, info, obj) };
      const view = cluster.view(info, obj);
      if (shape === 'table') return { status: 200, body: toTable(info, [view], { resourceVersion: metaOf(obj).resourceVersion }, params.get('includeObject')) };
      return { status: 200, body: shape === 'partial' ? partial(view) : view };
    }
    case 'list': return { status: 200, body: list(cluster, info, ns, params, shape) };
    case 'watch': {
      const matches = matcher(params, ri.name);
      const shapeFn = shape === 'table' ? (o: Obj): Obj => toTable(info, [o], {}, params.get('includeObject')) : shape === 'partial' ? partial : (o: Obj): Obj => o;
      const headers = info.group === '' && info.resource === 'endpoints' ? { Warning: [`299 - ${JSON.stringify(endpointsDeprecation)}`] } : undefined;
      serveWatch(cluster, r.res, { info, namespace: ns, matches, params, shape: shapeFn, headers }, (fn) => { r.res.on('close', fn); });
      return undefined;
    }
    case 'create': {
      if (ri.name && !(info.resource === 'namespaces' && ri.subresource)) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
      const opts = writeOptions(r);
      const body = parseJson(r.body);
      cluster.decode(info, body, opts);
      const obj = cluster.create(info, ns, body, opts);
      return { status: 201, body: cluster.view(info, obj), warnings: opts.warnings };
    }
    case 'update': {
      const opts = writeOptions(r);
      if (ri.subresource === 'scale') return { status: 200, body: writeScale(cluster, info, ns, ri.name!, parseJson(r.body), opts), warnings: opts.warnings };
      if (ri.subresource === 'status' || ri.subresource === 'finalize') opts.subresource = ri.subresource;
      const before = cluster.store.get(info, ns, ri.name!);
      const body = parseJson(r.body);
      cluster.decode(info, body, opts);
      const obj = cluster.update(info, ns, ri.name!, body, opts, ri.subresource !== 'finalize' && allowCreateOnUpdate(info));
      return { status: before ? 200 : 201, body: cluster.view(info, obj), warnings: opts.warnings };
    }
    case 'patch': {
      const opts = writeOptions(r);
      const contentType = r.req.headers['content-type'] ?? '';
      if (ri.subresource === 'scale') {
        const live = cluster.store.get(info, ns, ri.name!);
        if (!live) throw notFound(info, ri.name!);
        const patched = patchScale(scaleOf(cluster, info, live), contentType, r.body);
        return { status: 200, body: writeScale(cluster, info, ns, ri.name!, patched, opts), warnings: opts.warnings };
      }
      if (ri.subresource === 'status') opts.subresource = 'status';
      const isApply = contentType.startsWith('application/apply-patch');
      if (!isApply && params.has('force')) throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch', { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' }] });
      const force = queryBool(params, 'force');
      if (isApply && !ri.subresource && !cluster.store.get(info, ns, ri.name!)) {
        // An apply that creates is also authorized as create on that name (handlers/patch.go createAuthorizerAttributes).
        const attrs = { verb: 'create', resource: ri.resource, group: ri.group, namespace: ri.namespace, name: ri.name, path: new URL(r.req.url ?? '/', 'http://sandbox').pathname };
        if (!r.auth.allowed(r.user, attrs)) throw r.auth.forbidden(r.user, attrs);
      }
      const { object, created } = patchObject(cluster, info, ns, ri.name!, contentType, r.body, { ...opts, force, explicitManager: params.get('fieldManager') ?? undefined });
      return { status: created ? 201 : 200, body: cluster.view(info, object), warnings: opts.warnings };
    }
    case 'delete': {
      const opts = writeOptions(r);
      const doomed = cluster.store.get(info, ns, ri.name!);
      if (doomed) admitDeletePolicies(cluster, info, cluster.view(info, doomed), opts);
      const { body, deleted } = deleteObject(cluster, info, ns, ri.name!, deleteOptions(r, info, opts));
      return { status: deleted || !params.has('orphanDependents') ? 200 : 202, body, warnings: opts.warnings };
    }
    case 'deletecollection': {
      const opts = writeOptions(r);
      const doomed = listObjects(cluster, info, ns, params);
      const delOpts = deleteOptions(r, info, opts);
      for (const o of doomed) admitDeletePolicies(cluster, info, cluster.view(info, o), opts);
      const items = doomed.map((o) => deleteObject(cluster, info, ns, metaOf(o).name as string, delOpts).body);
      return { status: 200, body: { kind: `${info.kind}List`, apiVersion: cluster.apiVersion(info), metadata: { resourceVersion: String(cluster.store.resourceVersion) }, items }, warnings: opts.warnings };
    }
    default: throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
  }
}

/** Types whose REST storage creates on PUT (AllowCreateOnUpdate in their strategies). */
function allowCreateOnUpdate(info: ResourceInfo): boolean {
  return info.group === '' && ['events', 'endpoints', 'services'].includes(info.resource) || info.group === 'coordination.k8s.io';
}

/** Scale has no lists, so merge and strategic merge patches coincide. */
function patchScale(scale: Obj, contentType: string, body: string): Obj {
  let patch: unknown;
  try {
    patch = JSON.parse(body || 'null');
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
  if (contentType.split(';')[0]!.trim() === 'application/json-patch+json' && Array.isArray(patch)) return jsonPatch(scale, patch);
  if (!isObj(patch)) throw badRequest('the patch is not a JSON object');
  return mergePatch(scale, patch);
}

/**
 * DeleteOptions from the query and body. Without propagationPolicy or orphanDependents the type's
 * DefaultGarbageCollectionPolicy applies: batch/v1 Jobs and v1 ReplicationControllers orphan their
 * pods, and a Job DELETE says so in a warning (pkg/registry/batch/job/storage/storage.go).
 */
function deleteOptions(r: ResourceRequest, info: ResourceInfo, write: WriteOptions): DeleteOptions {
  const body: Obj = r.body.trim() ? parseJson(r.body) : {};
  const opts: DeleteOptions = { dryRun: write.dryRun === true || (Array.isArray(body.dryRun) && body.dryRun.includes('All')) };
  const policy = r.params.get('propagationPolicy') ?? (body.propagationPolicy as string | undefined);
  if (policy) opts.propagationPolicy = policy;
  const orphan = r.params.has('orphanDependents') ? queryBool(r.params, 'orphanDependents') : body.orphanDependents;
  if (orphan !== undefined && orphan !== null) opts.orphanDependents = orphan === true;
  if (!policy && opts.orphanDependents === undefined) {
    opts.propagationPolicy = defaultPropagationPolicy(info);
    if (info.group === 'batch' && info.kind === 'Job' && opts.propagationPolicy === 'Orphan') write.warnings?.push(jobOrphanWarning);
  }
  if (isObj(body.preconditions)) opts.preconditions = body.preconditions as DeleteOptions['preconditions'];
  return opts;
}

function matcher(params: URLSearchParams, name?: string): (o: Obj) => boolean {
  const labels = parseLabelSelector(params.get('labelSelector'));
  const fields = parseFieldSelector(name ? `metadata.name=${name}` : params.get('fieldSelector'));
  return (o) => (!labels || labels(labelsOf(o))) && (!fields || fields(o));
}

function listObjects(cluster: Cluster, info: ResourceInfo, ns: string | undefined, params: URLSearchParams): Obj[] {
  const matches = matcher(params);
  return cluster.store.list(info, ns).filter(matches);
}

const keyOf = (o: Obj): string => { const m = metaOf(o); return m.namespace ? `${m.namespace as string}/${m.name as string}` : (m.name as string); };

function list(cluster: Cluster, info: ResourceInfo, ns: string | undefined, params: URLSearchParams, shape: Shape): Obj {
  const keyed = listObjects(cluster, info, ns, params).map((o) => [keyOf(o), o] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let items = keyed.map(([, o]) => o);
  const rv = String(cluster.store.resourceVersion);
  const metadata: Obj = { resourceVersion: rv };
  const cont = params.get('continue');
  if (cont) {
    let after: string;
    try {
      after = (JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { start: string }).start;
    } catch {
      throw badRequest('continue key is not valid: illegal base64 data');
    }
    items = items.filter((o) => keyOf(o) > after);
  }
  const limit = Number(params.get('limit') ?? '0');
  if (limit > 0 && items.length > limit) {
    metadata.remainingItemCount = items.length - limit;
    items = items.slice(0, limit);
    metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(rv), start: keyOf(items[items.length - 1]!) })).toString('base64url');
  }
  if (shape === 'plain') {
    // Built-in lists are typed (items carry no TypeMeta); custom resource lists are unstructured.
    // Events may be stored in the other API's shape (events.ts): their items are converted first.
    return { kind: `${info.kind}List`, apiVersion: cluster.apiVersion(info), metadata, items: items.map((o) => (info.custom ? cluster.view(info, o) : withoutTypeMeta(info.kind === 'Event' ? cluster.view(info, o) : o))) };
  }
  const views = items.map((o) => cluster.view(info, o));
  if (shape === 'table') return toTable(info, views, metadata, params.get('includeObject'));
  return { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items: views.map(partial) };
}

/**
 * pods/log: the API server checks the pod and container (registry/core/pod LogLocation), then
 * dials the node's kubelet, which the sandbox does not run, so the answer is the dial error a
 * cluster with an unreachable kubelet gives.
 */
function podLog(cluster: Cluster, info: ResourceInfo, ns: string | undefined, name: string, params: URLSearchParams): Reply {
  const pod = cluster.store.get(info, ns, name);
  if (!pod) throw notFound(info, name);
  const spec = (pod.spec ?? {}) as { containers?: Array<{ name?: string }>; initContainers?: Array<{ name?: string }>; nodeName?: string };
  const names = (spec.containers ?? []).map((c) => String(c.name));
  const all = [...names, ...(spec.initContainers ?? []).map((c) => String(c.name))];
  let container = params.get('container') ?? '';
  if (!container) {
    if (names.length !== 1) throw new ApiError(400, 'BadRequest', `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
    container = names[0]!;
  }
  if (!all.includes(container)) throw new ApiError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
  if (!spec.nodeName) throw new ApiError(400, 'BadRequest', `pod ${name} does not have a host assigned`);
  const hostIP = String(((pod.status ?? {}) as { hostIP?: string }).hostIP ?? '172.18.0.2');
  const url = `https://${hostIP}:10250/containerLogs/${ns ?? ''}/${name}/${container}`;
  throw new ApiError(500, '', `Get "${url}": dial tcp ${hostIP}:10250: connect: connection refused`);
}