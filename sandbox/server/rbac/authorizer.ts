import type { Obj, ResourceInfo } from '../../contracts.ts';
import type { Cluster } from '../cluster.ts';
import { metaOf } from '../store.ts';
import { ruleAllows, rulesOf, type PolicyRule, type RequestAttributes } from './rules.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** The superuser group: allowed before RBAC is asked (apiserver's privileged-groups authorizer). */
export const SYSTEM_MASTERS = 'system:masters';

export interface Subject {
  name: string;
  groups: readonly string[];
}

export interface Decision {
  allowed: boolean;
  /** `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`, empty otherwise. */
  reason: string;
}

interface SubjectRef { kind?: unknown; name?: unknown; namespace?: unknown }
interface Bound { binding: Obj; subject: SubjectRef }
interface SourcedRule { rule: PolicyRule; source: string }

interface Index {
  cluster: Map<string, Bound[]>;
  namespaced: Map<string, Map<string, Bound[]>>;
}

const userKey = (name: string): string => `User:${name}`;
const groupKey = (name: string): string => `Group:${name}`;

/** The key a binding's subject is indexed under (appliesToUser in rbac.go). */
function subjectKey(subject: SubjectRef, bindingNamespace: string): string | undefined {
  const name = typeof subject.name === 'string' ? subject.name : undefined;
  if (!name) return undefined;
  switch (subject.kind) {
    case 'User': return userKey(name);
    case 'Group': return groupKey(name);
    case 'ServiceAccount': {
      const ns = typeof subject.namespace === 'string' && subject.namespace ? subject.namespace : bindingNamespace;
      return userKey(`system:serviceaccount:${ns}:${name}`);
    }
    default: return undefined;
  }
}

/** rule.go's describeSubject. */
function describeSubject(s: SubjectRef, bindingNamespace: string): string {
  const name = String(s.name ?? '');
  if (s.kind === 'ServiceAccount') return `${String(s.kind)} ${JSON.stringify(`${name}/${typeof s.namespace === 'string' && s.namespace ? s.namespace : bindingNamespace}`)}`;
  return `${String(s.kind)} ${JSON.stringify(name)}`;
}

const cacheLimit = 2000;

/**
 * The RBAC authorizer over the sandbox's stored Roles, ClusterRoles and bindings. Bindings are
 * indexed by subject and each user's rules per namespace are cached; any RBAC write drops both.
 */
export class RbacAuthorizer {
  private index: Index | undefined;
  private readonly cache = new Map<string, SourcedRule[]>();
  private readonly infos: Record<'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings', ResourceInfo>;

  constructor(private readonly cluster: Cluster) {
    const info = (resource: string): ResourceInfo => {
      const found = cluster.registry.lookup(RBAC_GROUP, 'v1', resource);
      if (!found) throw new Error(`the registry has no ${resource}.${RBAC_GROUP}`);
      return found;
    };
    this.infos = { roles: info('roles'), clusterroles: info('clusterroles'), rolebindings: info('rolebindings'), clusterrolebindings: info('clusterrolebindings') };
    cluster.store.subscribe((event) => { if (event.resource.group === RBAC_GROUP) this.invalidate(); });
  }

  invalidate(): void {
    this.index = undefined;
    this.cache.clear();
  }

  authorize(user: Subject, attrs: RequestAttributes): Decision {
    if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
    for (const { rule, source } of this.sourcedRules(user, attrs.namespace ?? '')) {
      if (ruleAllows(attrs, rule)) return { allowed: true, reason: `RBAC: allowed by ${source}` };
    }
    return { allowed: false, reason: '' };
  }

  /** Every rule the user holds in a namespace ('' for the cluster scope): cluster-wide ones first. */
  rulesFor(user: Subject, namespace: string): PolicyRule[] {
    return this.sourcedRules(user, namespace).map((r) => r.rule);
  }

  /** The rules of a binding's roleRef, or undefined when the role does not exist. */
  roleRefRules(roleRef: { kind?: unknown; name?: unknown }, namespace: string): PolicyRule[] | undefined {
    const name = String(roleRef.name ?? '');
    const role = roleRef.kind === 'ClusterRole' ? this.cluster.store.get(this.infos.clusterroles, undefined, name)
      : roleRef.kind === 'Role' && namespace ? this.cluster.store.get(this.infos.roles, namespace, name) : undefined;
    return role ? rulesOf(role) : undefined;
  }

  private sourcedRules(user: Subject, namespace: string): SourcedRule[] {
    const key = `${user.name}\n${namespace}\n${user.groups.join('\n')}`;
    let rules = this.cache.get(key);
    if (rules) return rules;
    rules = this.resolve(user, namespace);
    if (this.cache.size >= cacheLimit) this.cache.clear();
    this.cache.set(key, rules);
    return rules;
  }

  private resolve(user: Subject, namespace: string): SourcedRule[] {
    const index = this.index ??= this.buildIndex();
    const keys = [userKey(user.name), ...user.groups.map(groupKey)];
    const out: SourcedRule[] = [];
    const add = (bound: Bound[] | undefined, kind: 'ClusterRoleBinding' | 'RoleBinding', ns: string): void => {
      for (const { binding, subject } of bound ?? []) {
        const roleRef = (binding.roleRef ?? {}) as { kind?: unknown; name?: unknown };
        const rules = this.roleRefRules(roleRef, ns);
        if (!rules) continue;
        const name = String(metaOf(binding).name);
        const source = `${kind} ${JSON.stringify(kind === 'RoleBinding' ? `${name}/${ns}` : name)} of ${String(roleRef.kind)} ${JSON.stringify(String(roleRef.name))} to ${describeSubject(subject, ns)}`;
        for (const rule of rules) out.push({ rule, source });
      }
    };
    for (const key of keys) add(index.cluster.get(key), 'ClusterRoleBinding', '');
    if (namespace) {
      const inNs = index.namespaced.get(namespace);
      if (inNs) for (const key of keys) add(inNs.get(key), 'RoleBinding', namespace);
    }
    return out;
  }

  private buildIndex(): Index {
    const cluster = new Map<string, Bound[]>();
    const namespaced = new Map<string, Map<string, Bound[]>>();
    const put = (map: Map<string, Bound[]>, key: string, bound: Bound): void => {
      const list = map.get(key);
      if (list) list.push(bound); else map.set(key, [bound]);
    };
    for (const binding of this.cluster.store.list(this.infos.clusterrolebindings)) {
      for (const subject of subjectsOf(binding)) {
        const key = subjectKey(subject, '');
        if (key) put(cluster, key, { binding, subject });
      }
    }
    for (const binding of this.cluster.store.list(this.infos.rolebindings)) {
      const ns = String(metaOf(binding).namespace ?? '');
      let map = namespaced.get(ns);
      if (!map) { map = new Map(); namespaced.set(ns, map); }
      for (const subject of subjectsOf(binding)) {
        const key = subjectKey(subject, ns);
        if (key) put(map, key, { binding, subject });
      }
    }
    return { cluster, namespaced };
  }
}

function subjectsOf(binding: Obj): SubjectRef[] {
  return Array.isArray(binding.subjects) ? binding.subjects.filter((s): s is SubjectRef => typeof s === 'object' && s !== null) : [];
}
