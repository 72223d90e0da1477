import { ApiError, type Obj, type ResourceInfo } from '../../contracts.ts';
import { notFound, qualified } from '../status.ts';
import { metaOf } from '../store.ts';
import { RBAC_GROUP, SYSTEM_MASTERS, type RbacAuthorizer, type Subject } from './authorizer.ts';
import { compactRules, compactString, covers, goQuoted, rulesOf, type PolicyRule } from './rules.ts';

const fullAuthority: PolicyRule[] = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];

function forbidden(info: ResourceInfo, name: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `${qualified(info)} "${name}" is forbidden: ${why}`, { name, group: info.group, kind: info.resource });
}

/** validation.ConfirmNoEscalation: the user must already hold every rule it grants, in that namespace. */
function confirmNoEscalation(rbac: RbacAuthorizer, user: Subject, namespace: string, rules: PolicyRule[]): string | undefined {
  const { covered, missing } = covers(rbac.rulesFor(user, namespace), rules);
  if (covered) return undefined;
  const described = [...new Set(compactRules(missing).map(compactString))].sort();
  return `user ${JSON.stringify(user.name)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${described.join('\n')}`;
}

/**
 * The policy-based storage of roles, clusterroles, rolebindings and clusterrolebindings
 * (pkg/registry/rbac/*\/policybased): a write may only grant what its author holds, unless the
 * author is a superuser, may `escalate` the role, or may `bind` the role a binding refers to.
 */
export function checkRbacWrite(rbac: RbacAuthorizer, user: Subject, info: ResourceInfo, next: Obj): void {
  if (info.group !== RBAC_GROUP || user.groups.includes(SYSTEM_MASTERS)) return;
  const meta = metaOf(next);
  const name = String(meta.name ?? '');
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  const path = '';
  if (info.resource === 'roles' || info.resource === 'clusterroles') {
    if (rbac.authorize(user, { verb: 'escalate', group: RBAC_GROUP, resource: info.resource, namespace: namespace || undefined, name, path }).allowed) return;
    if (info.resource === 'clusterroles' && next.aggregationRule) {
      if (confirmNoEscalation(rbac, user, '', fullAuthority)) throw forbidden(info, name, 'must have cluster-admin privileges to use the aggregationRule');
      return;
    }
    const why = confirmNoEscalation(rbac, user, namespace, rulesOf(next));
    if (why) throw forbidden(info, name, why);
    return;
  }
  if (info.resource === 'rolebindings' || info.resource === 'clusterrolebindings') {
    const roleRef = (next.roleRef ?? {}) as { kind?: unknown; name?: unknown };
    const roleResource = roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
    const roleName = String(roleRef.name ?? '');
    if (rbac.authorize(user, { verb: 'bind', group: RBAC_GROUP, resource: roleResource, namespace: namespace || undefined, name: roleName, path }).allowed) return;
    const rules = rbac.roleRefRules(roleRef, namespace);
    if (!rules) throw notFound({ group: RBAC_GROUP, resource: roleResource } as ResourceInfo, roleName);
    const why = confirmNoEscalation(rbac, user, namespace, rules);
    if (why) throw forbidden(info, name, why);
  }
}
