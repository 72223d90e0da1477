import type { Obj } from '../contracts.ts';
import type { Attributes, Auth, User } from './auth.ts';
import type { Cluster } from './cluster.ts';
import type { PolicyRule } from './rbac/rules.ts';
import { isObj } from './util.ts';

export const reviewKinds = new Set(['selfsubjectaccessreviews', 'selfsubjectreviews', 'tokenreviews', 'subjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectrulesreviews']);

const userInfo = (u: User): Obj => ({ username: u.name, uid: u.uid, groups: u.groups });
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function attributesOf(spec: Obj): Attributes {
  if (isObj(spec.resourceAttributes)) {
    const ra = spec.resourceAttributes;
    return { verb: str(ra.verb) ?? '', resource: str(ra.resource) ?? '', subresource: str(ra.subresource), group: str(ra.group) ?? '', namespace: str(ra.namespace), name: str(ra.name), path: '' };
  }
  const nra = isObj(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {};
  return { verb: str(nra.verb) ?? '', path: str(nra.path) ?? '' };
}

/** SelfSubjectRulesReview's split of a user's rules (pkg/registry/authorization/selfsubjectrulesreview). */
function rulesStatus(rules: PolicyRule[]): Obj {
  const resourceRules: Obj[] = [];
  const nonResourceRules: Obj[] = [];
  for (const r of rules) {
    if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
    if (r.resources?.length) {
      const rule: Obj = { verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources };
      if (r.resourceNames?.length) rule.resourceNames = r.resourceNames;
      resourceRules.push(rule);
    }
  }
  return { resourceRules, nonResourceRules, incomplete: false };
}

/** Reviews are computed from the request and the RBAC rules, never stored (kubectl auth can-i / whoami). */
export function reviewResponse(resource: string, body: Obj, user: User, auth: Auth, cluster: Cluster): Obj {
  const spec: Obj = isObj(body.spec) ? body.spec : {};
  const out: Obj = { ...body, metadata: { ...(isObj(body.metadata) ? body.metadata : {}), creationTimestamp: null } };
  const access = (subject: User): Obj => {
    const decision = auth.decide(subject, attributesOf(spec));
    return decision.allowed ? { allowed: true, ...(decision.reason ? { reason: decision.reason } : {}) } : { allowed: false };
  };
  switch (resource) {
    case 'selfsubjectreviews': out.status = { userInfo: userInfo(user) }; break;
    case 'selfsubjectaccessreviews': out.status = access(user); break;
    case 'subjectaccessreviews': case 'localsubjectaccessreviews': {
      const groups = Array.isArray(spec.groups) ? spec.groups.map(String) : [];
      out.status = access({ name: String(spec.user ?? ''), uid: String(spec.uid ?? ''), groups });
      break;
    }
    case 'tokenreviews': {
      const found = auth.userForToken(String(spec.token ?? ''));
      out.status = found ? { authenticated: true, user: userInfo(found), audiences: ['https://kubernetes.default.svc.cluster.local'] } : { authenticated: false, error: 'invalid bearer token' };
      break;
    }
    case 'selfsubjectrulesreviews':
      out.status = rulesStatus(auth.rbac.rulesFor(user, str(spec.namespace) ?? ''));
      break;
  }
  void cluster;
  return out;
}
