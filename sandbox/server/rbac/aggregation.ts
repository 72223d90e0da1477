import type { Obj, ResourceInfo } from '../../contracts.ts';
import type { Cluster } from '../cluster.ts';
import { metaOf } from '../store.ts';
import { jsonEqual } from '../util.ts';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap.ts';
import { RBAC_GROUP } from './authorizer.ts';

const manager = 'clusterrole-aggregation-controller';

function labelsMatch(selector: unknown, labels: Record<string, string>): boolean {
  if (typeof selector !== 'object' || selector === null) return false;
  const { matchLabels, matchExpressions } = selector as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  for (const [k, v] of Object.entries(matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok = e.operator === 'In' ? has && (e.values ?? []).includes(labels[e.key]!)
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(labels[e.key]!)
      : e.operator === 'Exists' ? has : e.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  // An empty selector in an aggregationRule selects nothing (the controller skips it).
  return Object.keys(matchLabels ?? {}).length + (matchExpressions ?? []).length > 0;
}

/**
 * The clusterrole-aggregation controller (pkg/controller/clusterroleaggregation): a ClusterRole with
 * an aggregationRule gets the rules of every ClusterRole its selectors match, by name order, deduplicated.
 */
export function aggregateClusterRoles(cluster: Cluster, info: ResourceInfo): void {
  // Aggregated roles may aggregate each other (edit into admin): repeat until nothing changes.
  for (let pass = 0; pass < 10 && aggregateOnce(cluster, info); pass++);
}

function aggregateOnce(cluster: Cluster, info: ResourceInfo): boolean {
  let changed = false;
  const roles = cluster.store.list(info).sort((a, b) => String(metaOf(a).name).localeCompare(String(metaOf(b).name)));
  for (const role of roles) {
    const selectors = (role.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined)?.clusterRoleSelectors;
    if (!Array.isArray(selectors)) continue;
    const rules: unknown[] = [];
    for (const other of roles) {
      if (other === role) continue;
      const labels = (metaOf(other).labels ?? {}) as Record<string, string>;
      if (!selectors.some((s) => labelsMatch(s, labels))) continue;
      for (const rule of Array.isArray(other.rules) ? other.rules : []) if (!rules.some((r) => jsonEqual(r, rule))) rules.push(rule);
    }
    if (jsonEqual(role.rules ?? [], rules)) continue;
    cluster.update(info, undefined, String(metaOf(role).name), { ...role, rules }, { manager, internal: true });
    changed = true;
  }
  return changed;
}

/**
 * Creates the bootstrap roles and bindings that are missing (the real server's RBAC post-start hook)
 * and keeps aggregated ClusterRoles up to date after every ClusterRole write.
 */
export function installRbacPolicy(cluster: Cluster, viewerName: string): void {
  const roles = cluster.registry.lookup(RBAC_GROUP, 'v1', 'clusterroles')!;
  const bindings = cluster.registry.lookup(RBAC_GROUP, 'v1', 'clusterrolebindings')!;
  for (const [info, objects] of [[roles, bootstrapClusterRoles()], [bindings, bootstrapClusterRoleBindings(viewerName)]] as const) {
    for (const obj of objects as Obj[]) {
      const name = String(metaOf(obj).name);
      if (!cluster.store.get(info, undefined, name)) cluster.create(info, undefined, obj, { manager: 'kube-apiserver', internal: true });
    }
  }
  aggregateClusterRoles(cluster, roles);
  let scheduled = false;
  cluster.store.subscribe((event) => {
    if (event.resource.group !== RBAC_GROUP || event.resource.resource !== 'clusterroles' || scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      aggregateClusterRoles(cluster, roles);
    });
  });
}
