// RoleBinding and ClusterRoleBinding rules (pkg/apis/rbac/validation): roleRef and subjects on
// create, roleRef fixed afterwards.
import type { Obj, StatusCause } from '../../contracts.ts';
import { deepEqual, isObj, listAt, str } from '../util.ts';
import { invalid, notSupported, required } from './causes.ts';

const rbacGroup = 'rbac.authorization.k8s.io';

/** ValidatePathSegmentName, the rule of ValidateRBACName. */
function rbacNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  for (const bad of ['/', '%']) if (name.includes(bad)) return [`may not contain '${bad}'`];
  return [];
}

function subjects(o: Obj, cluster: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  listAt(o, 'subjects').forEach((s, i) => {
    const at = `subjects[${i}]`;
    const name = str(s, 'name');
    if (!name) out.push(required(`${at}.name`));
    const kind = str(s, 'kind') ?? '';
    const group = str(s, 'apiGroup') ?? '';
    switch (kind) {
      case 'ServiceAccount':
        if (group !== '') out.push(notSupported(`${at}.apiGroup`, group, ['']));
        if (cluster && !str(s, 'namespace')) out.push(required(`${at}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (group !== rbacGroup) out.push(notSupported(`${at}.apiGroup`, group, [rbacGroup]));
        break;
      default:
        out.push(notSupported(`${at}.kind`, kind, ['ServiceAccount', 'User', 'Group']));
    }
  });
  return out;
}

export function validateBinding(o: Obj, cluster: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  const ref = isObj(o.roleRef) ? o.roleRef : {};
  const group = str(ref, 'apiGroup') ?? '';
  if (group !== rbacGroup) out.push(notSupported('roleRef.apiGroup', group, [rbacGroup]));
  const kind = str(ref, 'kind') ?? '';
  const kinds = cluster ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(kind)) out.push(notSupported('roleRef.kind', kind, kinds));
  const name = str(ref, 'name');
  if (!name) out.push(required('roleRef.name'));
  else for (const msg of rbacNameErrors(name)) out.push(invalid('roleRef.name', name, msg));
  out.push(...subjects(o, cluster));
  return out;
}

/** Go's %#v of rbac.RoleRef, the value the "cannot change roleRef" error prints. */
function roleRefValue(ref: unknown): string {
  const r = isObj(ref) ? ref : {};
  const q = (k: string): string => JSON.stringify(typeof r[k] === 'string' ? r[k] : '');
  return `rbac.RoleRef{APIGroup:${q('apiGroup')}, Kind:${q('kind')}, Name:${q('name')}}`;
}

/** ValidateRoleBindingUpdate: the role a binding grants never changes (delete and recreate instead). */
export function bindingUpdate(o: Obj, old: Obj): StatusCause[] {
  if (deepEqual(o.roleRef, old.roleRef)) return [];
  return [{ reason: 'FieldValueInvalid', message: `Invalid value: ${roleRefValue(o.roleRef)}: cannot change roleRef`, field: 'roleRef' }];
}
