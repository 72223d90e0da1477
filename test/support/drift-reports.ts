import type { DriftReport, DriftedObject } from '../../src/core/types.ts';

/** Hand-built DriftReports for runner, heal, API and issue tests (the check itself is tested in test/drift/check.test.ts). */
export const syncedSha = 'b'.repeat(40);

export function replicasDrift(manager = 'kubectl-edit', namespace = 'shop', name = 'web', live = 5): DriftedObject {
  return {
    ref: { group: 'apps', kind: 'Deployment', namespace, name }, state: 'modified',
    fields: [{ path: '/spec/replicas', desired: 2, live, manager }],
  };
}

export function driftReport(app: string, status: DriftReport['status'], overrides: Partial<DriftReport> = {}): DriftReport {
  const base: DriftReport = { app, status, checkedAt: new Date().toISOString(), objects: [] };
  if (status !== 'Unknown') base.revision = { ref: 'main', sha: syncedSha };
  if (status === 'OutOfSync') base.objects = [replicasDrift()];
  if (status === 'Unknown') base.reason = { code: 'CLUSTER_UNAVAILABLE', message: 'cluster local is unreachable' };
  return { ...base, ...overrides };
}
