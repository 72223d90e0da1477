import { ApiError, type Obj, type ResourceInfo } from '../../contracts.ts';
import { formatQuantity, parseQuantity, type Quantity } from '../../schema/quantity.ts';
import type { Cluster } from '../cluster.ts';
import { metaOf } from '../store.ts';
import { isObj } from '../util.ts';
import { admissionName } from './resourcequota.ts';

/**
 * LimitRanger admission (plugin/pkg/admission/limitranger/admission.go) for Pods created in a
 * namespace with LimitRanges: `Container` items default missing limits (`default`, else `max`) and
 * requests (`defaultRequest`, else the default limit) and record what they set in the
 * `kubernetes.io/limit-ranger` annotation; then `min`, `max` and `maxLimitRequestRatio` of
 * `Container` and `Pod` items are enforced with the real 403 messages; `PersistentVolumeClaim` items
 * bound a claim's storage request by `min` and `max`.
 */
type List = Map<string, Quantity>;

const ANNOTATION = 'kubernetes.io/limit-ranger';

function list(v: unknown): List {
  const out: List = new Map();
  if (isObj(v)) for (const [k, raw] of Object.entries(v)) { const q = parseQuantity(raw); if (q) out.set(k, q); }
  return out;
}

const str = (q: Quantity): string => formatQuantity(q);

/** SetDefaults_LimitRangeItem: a Container item's default limit falls back to max, its default request to the default limit. */
function containerDefaults(item: Obj): { limits: Obj; requests: Obj } {
  const limits: Obj = { ...(isObj(item.max) ? item.max : {}), ...(isObj(item.default) ? item.default : {}) };
  const requests: Obj = { ...limits, ...(isObj(item.defaultRequest) ? item.defaultRequest : {}) };
  return { limits, requests };
}

function containersOf(pod: Obj): Array<{ c: Obj; type: string }> {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const out: Array<{ c: Obj; type: string }> = [];
  for (const [key, type] of [['containers', 'container'], ['initContainers', 'init container']] as const) {
    const l = spec[key];
    if (Array.isArray(l)) for (const c of l) if (isObj(c)) out.push({ c, type });
  }
  return out;
}

/** mergePodResourceRequirements: only what a container leaves unset is filled in. */
function applyDefaults(pod: Obj, items: Obj[]): void {
  const notes: string[] = [];
  for (const { c, type } of containersOf(pod)) {
    const resources: Obj = isObj(c.resources) ? { ...c.resources } : {};
    const requests: Obj = isObj(resources.requests) ? { ...resources.requests } : {};
    const limits: Obj = isObj(resources.limits) ? { ...resources.limits } : {};
    const setRequests: string[] = [];
    const setLimits: string[] = [];
    for (const item of items) {
      const d = containerDefaults(item);
      for (const [k, v] of Object.entries(d.limits)) if (limits[k] === undefined) { limits[k] = v; setLimits.push(k); }
      for (const [k, v] of Object.entries(d.requests)) if (requests[k] === undefined) { requests[k] = v; setRequests.push(k); }
    }
    if (setRequests.length === 0 && setLimits.length === 0) continue;
    if (Object.keys(requests).length) resources.requests = requests;
    if (Object.keys(limits).length) resources.limits = limits;
    c.resources = resources;
    if (setRequests.length) notes.push(`${[...new Set(setRequests)].sort().join(', ')} request for ${type} ${String(c.name ?? '')}`);
    if (setLimits.length) notes.push(`${[...new Set(setLimits)].sort().join(', ')} limit for ${type} ${String(c.name ?? '')}`);
  }
  if (notes.length === 0) return;
  const meta = metaOf(pod);
  meta.annotations = { ...(isObj(meta.annotations) ? meta.annotations : {}), [ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
}

/** requestLimitEnforcedValues compares cpu in millicores and everything else in whole units. */
const scaled = (resource: string, q: Quantity): number => (resource === 'cpu' ? q.milli : Math.ceil(q.milli / 1000));

function minConstraint(type: string, r: string, enforced: Quantity, req: List, lim: List): string | undefined {
  const rq = req.get(r);
  const lq = lim.get(r);
  if (!rq) return `minimum ${r} usage per ${type} is ${str(enforced)}.  No request is specified`;
  if (scaled(r, rq) < scaled(r, enforced)) return `minimum ${r} usage per ${type} is ${str(enforced)}, but request is ${str(rq)}`;
  if (lq && scaled(r, lq) < scaled(r, enforced)) return `minimum ${r} usage per ${type} is ${str(enforced)}, but limit is ${str(lq)}`;
  return undefined;
}

function maxConstraint(type: string, r: string, enforced: Quantity, req: List, lim: List): string | undefined {
  const rq = req.get(r);
  const lq = lim.get(r);
  if (!lq) return `maximum ${r} usage per ${type} is ${str(enforced)}.  No limit is specified`;
  if (scaled(r, lq) > scaled(r, enforced)) return `maximum ${r} usage per ${type} is ${str(enforced)}, but limit is ${str(lq)}`;
  if (rq && scaled(r, rq) > scaled(r, enforced)) return `maximum ${r} usage per ${type} is ${str(enforced)}, but request is ${str(rq)}`;
  return undefined;
}

function ratioConstraint(type: string, r: string, enforced: Quantity, req: List, lim: List): string | undefined {
  const rq = req.get(r);
  const lq = lim.get(r);
  if (!rq || rq.milli === 0) return `${r} max limit to request ratio per ${type} is ${str(enforced)}, but no request is specified or request is 0`;
  if (!lq || lq.milli === 0) return `${r} max limit to request ratio per ${type} is ${str(enforced)}, but no limit is specified or limit is 0`;
  const ratio = lq.milli / rq.milli;
  if (ratio * 1000 > enforced.milli) return `${r} max limit to request ratio per ${type} is ${str(enforced)}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function constraints(type: string, item: Obj, req: List, lim: List): string[] {
  const errs: string[] = [];
  for (const [r, q] of list(item.min)) { const e = minConstraint(type, r, q, req, lim); if (e) errs.push(e); }
  for (const [r, q] of list(item.max)) { const e = maxConstraint(type, r, q, req, lim); if (e) errs.push(e); }
  for (const [r, q] of list(item.maxLimitRequestRatio)) { const e = ratioConstraint(type, r, q, req, lim); if (e) errs.push(e); }
  return errs;
}

/** PodRequests/PodLimits: app containers summed, the largest init container if larger. */
function podTotal(pod: Obj, field: 'requests' | 'limits'): List {
  const total: List = new Map();
  const init: List = new Map();
  for (const { c, type } of containersOf(pod)) {
    for (const [k, q] of list(isObj(c.resources) ? c.resources[field] : undefined)) {
      if (type === 'container') total.set(k, { milli: (total.get(k)?.milli ?? 0) + q.milli, binary: total.get(k)?.binary ?? q.binary });
      else if (!init.has(k) || init.get(k)!.milli < q.milli) init.set(k, q);
    }
  }
  for (const [k, q] of init) if (!total.has(k) || total.get(k)!.milli < q.milli) total.set(k, q);
  return total;
}

/** PersistentVolumeClaimValidateLimitFunc: `min` against the request, `max` against the request only (maxRequestConstraint). */
function claimErrors(items: Obj[], claim: Obj): string[] {
  const requests = list(isObj(claim.spec) && isObj(claim.spec.resources) ? claim.spec.resources.requests : undefined);
  const errs: string[] = [];
  const type = 'PersistentVolumeClaim';
  for (const item of items) {
    for (const [r, q] of list(item.min)) { const e = minConstraint(type, r, q, requests, new Map()); if (e) errs.push(e); }
    for (const [r, q] of list(item.max)) {
      const rq = requests.get(r);
      if (!rq) errs.push(`maximum ${r} usage per ${type} is ${str(q)}.  No request is specified`);
      else if (scaled(r, rq) > scaled(r, q)) errs.push(`maximum ${r} usage per ${type} is ${str(q)}, but request is ${str(rq)}`);
    }
  }
  return errs;
}

function forbidden(resource: string, obj: Obj, errs: string[]): ApiError {
  // utilerrors.NewAggregate: one error as itself, several as `[a, b]`.
  const message = errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`;
  const name = admissionName(obj);
  return new ApiError(403, 'Forbidden', `${resource} "${name}" is forbidden: ${message}`, { name, kind: resource });
}

/** The plugin's Admit (`mutate`: container defaults) or Validate (`validate`: min, max, ratios, claims). */
export function checkLimitRanges(cluster: Cluster, info: ResourceInfo, pod: Obj, phase: 'mutate' | 'validate'): void {
  if (info.group !== '' || (info.resource !== 'pods' && info.resource !== 'persistentvolumeclaims')) return;
  const lrInfo = cluster.registry.lookup('', 'v1', 'limitranges');
  if (!lrInfo) return;
  const ranges = cluster.store.list(lrInfo, metaOf(pod).namespace as string);
  if (ranges.length === 0) return;
  const items = (type: string): Obj[] => ranges.flatMap((lr) => {
    const limits = isObj(lr.spec) ? lr.spec.limits : undefined;
    return Array.isArray(limits) ? limits.filter((i): i is Obj => isObj(i) && i.type === type) : [];
  });
  if (info.resource === 'persistentvolumeclaims') {
    if (phase === 'mutate') return;
    const errs = claimErrors(items('PersistentVolumeClaim'), pod);
    if (errs.length > 0) throw forbidden(info.resource, pod, errs);
    return;
  }
  const containerItems = items('Container');
  if (phase === 'mutate') {
    applyDefaults(pod, containerItems);
    return;
  }
  const errs: string[] = [];
  for (const item of containerItems) {
    for (const { c } of containersOf(pod)) {
      const res = isObj(c.resources) ? c.resources : {};
      errs.push(...constraints('Container', item, list(res.requests), list(res.limits)));
    }
  }
  for (const item of items('Pod')) errs.push(...constraints('Pod', item, podTotal(pod, 'requests'), podTotal(pod, 'limits')));
  if (errs.length > 0) throw forbidden('pods', pod, errs);
}
