import type { Obj } from '../contracts.ts';
import type { Auth, User } from './auth.ts';
import type { Cluster } from './cluster.ts';
import { isObj } from './util.ts';

export const reviewKinds = new Set(['selfsubjectaccessreviews', 'selfsubjectreviews', 'tokenreviews', 'subjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectrulesreviews']);

const userInfo = (u: User): Obj => ({ username: u.name, uid: u.uid, groups: u.groups });

/** Reviews are computed from the request and never stored (kubectl auth can-i / whoami). */
export function reviewResponse(resource: string, body: Obj, user: User, auth: Auth, cluster: Cluster): Obj {
  const spec = (isObj(body.spec) ? body.spec : {}) as Obj;
  const out: Obj = { ...body, metadata: { ...(isObj(body.metadata) ? body.metadata : {}), creationTimestamp: null } };
  const access = (subject: User): Obj => {
    const ra = (spec.resourceAttributes ?? {}) as Obj;
    const nra = (spec.nonResourceAttributes ?? {}) as Obj;
    const attrs = isObj(spec.resourceAttributes)
      ? { verb: String(ra.verb ?? ''), resource: String(ra.resource ?? ''), subresource: ra.subresource ? String(ra.subresource) : undefined, group: String(ra.group ?? ''), namespace: ra.namespace ? String(ra.namespace) : undefined, name: ra.name ? String(ra.name) : undefined, path: '' }
      : { verb: String(nra.verb ?? 'get'), path: String(nra.path ?? '/') };
    const allowed = auth.allowed(subject, attrs);
    return allowed ? { allowed: true, reason: subject.role === 'admin' ? 'RBAC: allowed by ClusterRoleBinding "sandbox-admin" of ClusterRole "cluster-admin"' : 'RBAC: allowed by ClusterRoleBinding "sandbox-viewer" of ClusterRole "view"' } : { allowed: false };
  };
  switch (resource) {
    case 'selfsubjectreviews': out.status = { userInfo: userInfo(user) }; break;
    case 'selfsubjectaccessreviews': out.status = access(user); break;
    case 'subjectaccessreviews': case 'localsubjectaccessreviews': {
      const name = String(spec.user ?? '');
      const subject: User = name === 'admin' || (spec.groups as string[] | undefined)?.includes('system:masters') ? { name, uid: '', groups: [], role: 'admin' } : name === 'viewer' ? { name, uid: '', groups: [], role: 'viewer' } : { name, uid: '', groups: [], role: 'anonymous' };
      out.status = access(subject);
      break;
    }
    case 'tokenreviews': {
      const found = auth.userForToken(String(spec.token ?? ''));
      out.status = found ? { authenticated: true, user: userInfo(found), audiences: ['https://kubernetes.default.svc'] } : { authenticated: false, error: 'invalid bearer token' };
      break;
    }
    case 'selfsubjectrulesreviews': {
      const verbs = user.role === 'admin' ? ['*'] : ['get', 'list', 'watch'];
      out.status = { resourceRules: [{ verbs, apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['*'] }], incomplete: false };
      break;
    }
  }
  void cluster;
  return out;
}
