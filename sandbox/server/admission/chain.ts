import type { Obj, ResourceInfo } from '../../contracts.ts';
import type { Cluster, WriteOptions } from '../cluster.ts';
import { checkLimitRanges } from './limitranger.ts';
import { admitPendingPolicies } from './policy.ts';
import { checkResourceQuota } from './resourcequota.ts';

/**
 * The built-in admission plugins in kube-apiserver's order (`AllOrderedPlugins`,
 * pkg/kubeapiserver/options/plugins.go): every plugin's mutating half runs first (LimitRanger's
 * defaults, … MutatingAdmissionPolicy, MutatingAdmissionWebhook), then the type's own validation,
 * then every validating half (LimitRanger's limits, PodSecurity, ValidatingAdmissionPolicy,
 * ValidatingAdmissionWebhook, ResourceQuota last). The webhooks are asynchronous and run between
 * these stages from `resources.ts` (`serveWithWebhooks`); the stages below are synchronous so that
 * a write without webhooks stays one synchronous call.
 */

/**
 * One write on its way through admission: `next` is the object as admission has left it so far,
 * `old` the stored one (undefined for a create), `opts` the request's options (`user`, `dryRun`,
 * `subresource`, `warnings` for `Warning:` headers, `manager`).
 */
export interface Pending {
  info: ResourceInfo;
  old: Obj | undefined;
  next: Obj;
  opts: WriteOptions;
}

/** The admission operation of a pending write (a DELETE never reaches the chain's stages). */
export const operationOf = (p: Pending): 'CREATE' | 'UPDATE' => (p.old ? 'UPDATE' : 'CREATE');

/** LimitRanger and ResourceQuota admit creates of clients and the Pods controllers create alike. */
const policed = (p: Pending): boolean => !p.old && (!p.opts.internal || (p.info.group === '' && p.info.resource === 'pods'));

/**
 * Built-in mutating plugins (after decoding and defaulting, before the mutating webhooks; run again
 * when a webhook's change makes the chain reinvoke, as admission/reinvocation.go does).
 */
export function mutatingBuiltins(cluster: Cluster, p: Pending): void {
  if (policed(p)) checkLimitRanges(cluster, p.info, p.next, 'mutate');
}

/**
 * ValidatingAdmissionPolicy's slot (admission/policy.ts): after PodSecurity, before the validating
 * webhooks and ResourceQuota, for every create and update by a client. Of the cluster's own writes
 * (`p.opts.internal`: controllers' writes, which on a real server are API requests admitted like
 * any other) only the controllers' Pods are admitted, as their controller's user, so that a policy
 * can refuse them; the rest return early to keep controller work cheap, at the cost of fidelity.
 * Policies evaluate `p.next` (after mutating admission, defaulting and validation) against
 * `p.old`; a `Deny` throws the ApiError the request answers with, `Warn` pushes onto
 * `p.opts.warnings`, `Audit` records on `cluster.audit`. Deletes do not pass here: resources.ts
 * admits them with `admitDeletePolicies`.
 */
export function admitValidatingPolicies(cluster: Cluster, p: Pending): void {
  if (p.opts.internal && !(p.info.group === '' && p.info.resource === 'pods')) return;
  admitPendingPolicies(cluster, p);
}

/** Built-in validating plugins up to (and including) ValidatingAdmissionPolicy, in order. */
export function validatingBuiltins(cluster: Cluster, p: Pending): void {
  if (policed(p)) checkLimitRanges(cluster, p.info, p.next, 'validate');
  p.opts.admit?.(p.info, p.next, p.old, p.opts);
  admitValidatingPolicies(cluster, p);
}

/** ResourceQuota: the last plugin, after the validating webhooks. */
export function admitQuota(cluster: Cluster, p: Pending): void {
  if (policed(p)) checkResourceQuota(cluster, p.info, p.next);
}

/**
 * Thrown by the write pipeline when the request asked to stop after mutating admission
 * (`WriteOptions.suspend`): the request's webhooks run next, then `Cluster.resume` finishes it.
 */
export class Suspended extends Error {
  constructor(readonly pending: Pending) {
    super('admission suspended for webhooks');
  }
}
