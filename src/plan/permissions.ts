import { DriftlessError, isDriftlessError, where } from '../core/errors.ts';
import { refString } from '../core/objects.ts';
import type { ResourceType } from '../ports/cluster.ts';
import type { DesiredObject } from './desired.ts';

/** A permission the API server refused, as its 403 names it. */
export interface MissingPermission {
  verb: string;
  resource: string;
  group: string;
  /** Absent: the request was at the cluster scope. */
  namespace?: string;
}

/** The apiserver's forbiddenMessage: `User "u" cannot list resource "r" in API group "g" in the namespace "n"` (or `at the cluster scope`). */
const forbidden = /cannot (\S+) resource "([^"]+)" in API group "([^"]*)" (?:in the namespace "([^"]+)"|at the cluster scope)/;

/** Whether an error is the API server's 403 (the adapter's CLUSTER_UNAUTHORIZED keeps the status). */
export function isForbidden(err: unknown): err is DriftlessError {
  return isDriftlessError(err, 'CLUSTER_UNAUTHORIZED') && err.details.status === 403;
}

/** The refused permission, from the 403 message; the request's own verb and resource when the message does not say. */
export function missingPermission(err: DriftlessError, request: { verb: string; type: ResourceType; namespace?: string }): MissingPermission {
  const m = forbidden.exec(err.message);
  if (m) return { verb: m[1]!, resource: m[2]!, group: m[3]!, ...(m[4] ? { namespace: m[4] } : {}) };
  return { verb: request.verb, resource: request.type.plural, group: request.type.group, ...(request.namespace ? { namespace: request.namespace } : {}) };
}

/** Every verb a sync uses on a kind it renders: read (plan, health, prune checks), server-side apply (create + patch), prune. */
const SYNC_VERBS = 'get, list, create, patch, delete';

/** What to grant so that driftless can sync a kind: a Role in the namespace, or a ClusterRole for the cluster scope. */
export function grantAdvice(missing: MissingPermission): string {
  const resource = missing.group ? `${missing.resource}.${missing.group}` : missing.resource;
  if (missing.namespace) return `grant it a Role in namespace "${missing.namespace}" granting ${SYNC_VERBS} on ${resource}, bound to it with a RoleBinding in that namespace`;
  return `grant it a ClusterRole granting ${SYNC_VERBS} on ${resource}, bound to it with a ClusterRoleBinding (a Role and RoleBinding cannot grant cluster-scoped kinds or lists across namespaces)`;
}

/** The adapter's generic hint, replaced here by a precise one. */
const adapterHint = / \(403 Forbidden: [^)]*\)$/;

export interface UnreadableKind {
  missing: MissingPermission;
  /** The API server's own message. */
  message: string;
  /** The rendered objects of that kind (and namespace) whose live state could not be read. */
  objects: Array<Pick<DesiredObject, 'ref' | 'origin'>>;
}

/**
 * The plan cannot tell what exists for these kinds, so it cannot decide create vs update, check
 * ownership or prune safely: the sync stops before any write, naming each refused permission.
 */
export function unreadableError(kinds: UnreadableKind[]): DriftlessError {
  const lines = kinds.map((k) => {
    const first = k.objects[0]!;
    const more = k.objects.length > 1 ? ` (and ${k.objects.length - 1} more of this kind)` : '';
    return `${where(first.origin.file, first.origin.line)}: ${refString(first.ref)}${more}: driftless cannot read this kind: ${k.message.replace(adapterHint, '')}; reading the objects by name was refused too; ${grantAdvice(k.missing)}`;
  });
  const first = kinds[0]!.objects[0]!;
  return new DriftlessError('CLUSTER_UNAUTHORIZED', `the plan cannot read what it must compare (nothing was applied):\n${lines.join('\n')}`, {
    status: 403,
    file: first.origin.file,
    object: refString(first.ref),
    permissions: kinds.map((k) => k.missing),
  });
}
