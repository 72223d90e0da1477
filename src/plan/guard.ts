import { DriftlessError, where } from '../core/errors.ts';
import { INVENTORY_NAME_PREFIX } from '../core/labels.ts';
import { refProblem } from '../core/names.ts';
import { isRecord, refString } from '../core/objects.ts';
import type { KubeObject } from '../core/types.ts';
import type { ClusterClient } from '../ports/cluster.ts';
import type { DesiredObject } from './desired.ts';

/*
 * Checks on what a repository asks for that no allow list expresses, run before the first request
 * that names an object: "no app can touch what is not its own".
 */

function refuse(code: 'MANIFEST_INVALID' | 'NOT_ALLOWED', app: string, problems: Array<{ d: DesiredObject; reason: string; field?: string }>): never {
  const first = problems[0]!;
  const lines = problems.map((p) => `${where(p.d.origin.file, p.d.origin.line)}: ${refString(p.d.ref)}: ${p.reason}`);
  const head = code === 'MANIFEST_INVALID' ? `app ${app} has objects the API server would refuse (nothing was applied)` : `app ${app} may not write these objects (nothing was applied)`;
  throw new DriftlessError(code, `${head}:\n${lines.join('\n')}`, { file: first.d.origin.file, object: refString(first.d.ref), ...(first.field ? { field: first.field } : {}) });
}

/**
 * Every name and namespace obeys the server's rules before any request is built from it (a name
 * is a URL path segment: `..` would address another object). MANIFEST_INVALID names file and field.
 */
export function checkNames(app: string, desired: DesiredObject[]): void {
  const problems = desired.flatMap((d) => {
    const problem = refProblem(d.ref);
    return problem ? [{ d, reason: problem, field: problem.startsWith('metadata.name') ? 'metadata.name' : 'metadata.namespace' }] : [];
  });
  if (problems.length > 0) refuse('MANIFEST_INVALID', app, problems);
}

/** Inventories are driftless's own: a repository may not write one (it would decide another app's prune). */
export function checkReserved(app: string, desired: DesiredObject[]): void {
  const problems = desired
    .filter((d) => d.ref.group === '' && d.ref.kind === 'ConfigMap' && d.ref.name.startsWith(INVENTORY_NAME_PREFIX))
    .map((d) => ({ d, field: 'metadata.name', reason: `ConfigMap names starting with "${INVENTORY_NAME_PREFIX}" are reserved for driftless's inventories; rename it` }));
  if (problems.length > 0) refuse('NOT_ALLOWED', app, problems);
}

const RBAC = 'rbac.authorization.k8s.io';
const READ_VERBS = new Set(['get', 'list', 'watch']);

/**
 * Whether RBAC rules let their holder change Namespaces. The API server authorizes
 * `/api/v1/namespaces/X` as a request in namespace X, so a namespaced Role with `patch namespaces`
 * relabels its own namespace (and can drop its pod-security.kubernetes.io/* enforcement). Reading
 * (get, list, watch, as the built-in view/edit/admin roles grant) changes nothing and is allowed.
 */
export function grantsNamespaceWrites(rules: unknown): boolean {
  if (!Array.isArray(rules)) return false;
  return rules.some((rule) => {
    if (!isRecord(rule)) return false;
    const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
    const groups = list(rule.apiGroups);
    const resources = list(rule.resources);
    const verbs = list(rule.verbs);
    const coreGroup = groups.includes('') || groups.includes('*');
    const namespaces = resources.some((r) => r === '*' || r === 'namespaces' || r.startsWith('namespaces/') || r.startsWith('*/'));
    return coreGroup && namespaces && verbs.some((v) => !READ_VERBS.has(v));
  });
}

function isRbac(d: DesiredObject, kind: string): boolean {
  return d.ref.group === RBAC && d.ref.kind === kind;
}

/**
 * Without allow.clusterScoped, an app may not grant writes on Namespaces: a Role whose rules do,
 * or a RoleBinding to a role that does. A binding's role is read from the render, else from the
 * cluster; a role that is in neither cannot be checked, so the binding is refused (conservative:
 * once created, such a role would grant whatever it says).
 */
export async function checkNamespaceGrants(cluster: ClusterClient, app: { name: string; allow: { clusterScoped: boolean } }, desired: DesiredObject[]): Promise<void> {
  if (app.allow.clusterScoped) return;
  const problems: Array<{ d: DesiredObject; reason: string }> = [];
  const reason = 'grants writes on namespaces, which lets it relabel its own namespace (needs allow.clusterScoped: true)';
  for (const d of desired) {
    if (isRbac(d, 'Role') && grantsNamespaceWrites(d.object.rules)) problems.push({ d, reason });
    if (!isRbac(d, 'RoleBinding')) continue;
    const roleRef = isRecord(d.object.roleRef) ? d.object.roleRef : {};
    const kind = roleRef.kind === 'ClusterRole' ? 'ClusterRole' : roleRef.kind === 'Role' ? 'Role' : undefined;
    const name = typeof roleRef.name === 'string' ? roleRef.name : '';
    const namespace = kind === 'Role' ? d.ref.namespace : undefined;
    if (!kind || refProblem({ group: RBAC, kind, name, ...(namespace !== undefined ? { namespace } : {}) })) {
      problems.push({ d, reason: 'roleRef must name a Role or ClusterRole with a valid name' });
      continue;
    }
    const rendered = desired.find((o) => isRbac(o, kind) && o.ref.name === name && o.ref.namespace === namespace);
    let role: KubeObject | undefined = rendered?.object;
    if (!role) {
      const type = await cluster.resolve(`${RBAC}/v1`, kind);
      role = type ? await cluster.get(type, name, namespace) : undefined;
    }
    if (!role) problems.push({ d, reason: `binds ${kind} ${name}, which is neither in the render nor in the cluster, so what it grants cannot be checked (define it in the repository, or allow.clusterScoped: true)` });
    else if (grantsNamespaceWrites(role.rules)) problems.push({ d, reason: `binds ${kind} ${name}, which ${reason}` });
  }
  if (problems.length > 0) refuse('NOT_ALLOWED', app.name, problems);
}
