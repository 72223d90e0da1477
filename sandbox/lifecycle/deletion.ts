// What a DELETE without propagationPolicy does per kind: most registries default to background
// deletion, but batch/v1 Jobs and core/v1 ReplicationControllers orphan their pods for backwards
// compatibility (DefaultGarbageCollectionPolicy in pkg/registry/batch/job/strategy.go and
// pkg/registry/core/replicationcontroller/strategy.go).
import type { ResourceInfo } from '../contracts.ts';

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export function defaultPropagationPolicy(info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>): PropagationPolicy {
  if (info.group === 'batch' && info.version === 'v1' && info.kind === 'Job') return 'Orphan';
  if (info.group === '' && info.kind === 'ReplicationController') return 'Orphan';
  return 'Background';
}

/** The warning the real server adds to a Job DELETE that relies on that default. */
export const jobOrphanWarning = 'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning';
