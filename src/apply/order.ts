import type { ObjectRef } from '../core/types.ts';

const steps: Array<{ group: string; kinds: string[] }[]> = [
  [{ group: '', kinds: ['Namespace'] }],
  [{ group: 'apiextensions.k8s.io', kinds: ['CustomResourceDefinition'] }],
  [
    { group: 'rbac.authorization.k8s.io', kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'] },
    { group: 'scheduling.k8s.io', kinds: ['PriorityClass'] },
    { group: 'storage.k8s.io', kinds: ['StorageClass'] },
  ],
  [{ group: '', kinds: ['ServiceAccount', 'ConfigMap', 'Secret', 'PersistentVolume', 'PersistentVolumeClaim', 'LimitRange', 'ResourceQuota'] }],
  [
    { group: 'apps', kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'] },
    { group: 'batch', kinds: ['Job', 'CronJob'] },
    { group: '', kinds: ['Pod', 'ReplicationController'] },
  ],
];

/**
 * Apply step of an object: Namespaces, CRDs, RBAC (cluster and namespaced), ServiceAccounts/
 * ConfigMaps/Secrets (and storage claims), workloads, then the rest. Deletes go in reverse.
 */
export function stepOf(ref: Pick<ObjectRef, 'group' | 'kind'>): number {
  const index = steps.findIndex((step) => step.some((s) => s.group === ref.group && s.kinds.includes(ref.kind)));
  return index < 0 ? steps.length : index;
}

/** Items grouped by step, in apply order (reverse: delete order). */
export function byStep<T>(items: T[], refOf: (item: T) => Pick<ObjectRef, 'group' | 'kind'>, reverse = false): T[][] {
  const groups: T[][] = Array.from({ length: steps.length + 1 }, () => []);
  for (const item of items) groups[stepOf(refOf(item))]!.push(item);
  const nonEmpty = groups.filter((g) => g.length > 0);
  return reverse ? nonEmpty.reverse() : nonEmpty;
}
