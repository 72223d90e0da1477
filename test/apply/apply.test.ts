import { describe, expect, it } from 'vitest';
import { DriftlessError } from '../../src/core/errors.ts';
import { mapLimit } from '../../src/core/limit.ts';
import { migrationPatch } from '../../src/apply/migrate.ts';
import { byStep, stepOf } from '../../src/apply/order.ts';
import { retryingCluster } from '../../src/apply/retrying.ts';
import { syncApp } from '../../src/sync/sync.ts';
import { withProgressScope, type ProgressEvent } from '../../src/core/progress.ts';
import { MemoryCluster } from '../support/memory-cluster.ts';
import { appConfig, configMap, deployment, Fake } from '../sync/fixtures.ts';

describe('apply order', () => {
  it('goes Namespaces, CRDs, RBAC, config, workloads, the rest; deletes in reverse', () => {
    const refs = [
      { group: '', kind: 'Service' },
      { group: 'apps', kind: 'Deployment' },
      { group: '', kind: 'ConfigMap' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      { group: '', kind: 'Namespace' },
    ];
    expect(byStep(refs, (r) => r).map((s) => s[0]!.kind)).toEqual(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ConfigMap', 'Deployment', 'Service']);
    expect(byStep(refs, (r) => r, true).map((s) => s[0]!.kind)).toEqual(['Service', 'Deployment', 'ConfigMap', 'ClusterRole', 'CustomResourceDefinition', 'Namespace']);
    expect(stepOf({ group: 'example.com', kind: 'Widget' })).toBe(5);
  });
});

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and the results in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6, 7, 8, 9], 3, async (n) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 2;
    });
    expect(out).toEqual([10, 2, 8, 4, 6, 0, 12, 14, 16, 18]);
    expect(peak).toBe(3);
  });
});

describe('retryingCluster', () => {
  it('retries transient errors honouring Retry-After, and not the others', async () => {
    const cluster = new MemoryCluster();
    let calls = 0;
    cluster.failApply = () => (++calls < 3 ? new DriftlessError('CLUSTER_UNAVAILABLE', '429', { transient: true, retryAfterMs: 7 }) : undefined);
    const waits: number[] = [];
    const client = retryingCluster(cluster, { sleep: async (ms) => void waits.push(ms) });
    const type = (await cluster.resolve('v1', 'Namespace'))!;
    await client.apply(type, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }, { fieldManager: 'driftless', force: true });
    expect(waits).toEqual([7, 7]);
    cluster.failApply = () => new DriftlessError('APPLY_FAILED', 'invalid', { status: 422 });
    await expect(client.apply(type, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'y' } }, { fieldManager: 'driftless', force: true })).rejects.toThrow('invalid');
  });

  it('tells the sync waiting on a call about each retry (the CLI prints it), and nobody else', async () => {
    const fake = new Fake();
    fake.set([configMap('a', { k: 'v' })]);
    let calls = 0;
    fake.cluster.failApply = () => (++calls === 1 ? new DriftlessError('CLUSTER_UNAVAILABLE', 'the API server answered 503', { transient: true, retryAfterMs: 1500 }) : undefined);
    const events: ProgressEvent[] = [];
    const other: ProgressEvent[] = [];
    const deps = { ...fake.deps(), cluster: retryingCluster(fake.cluster, { sleep: async () => {} }) };
    const [result] = await Promise.all([
      syncApp(deps, appConfig(), { onProgress: (e) => events.push(e) }),
      withProgressScope((e) => other.push(e), async () => undefined),
    ]);
    expect(result.status).toBe('Synced');
    expect(events.filter((e) => e.type === 'retry')).toEqual([{ type: 'retry', message: 'memory://cluster: the API server answered 503; try 2 in 1.5 s' }]);
    expect(other).toEqual([]);
  });
});

describe('client-side-apply migration', () => {
  it('folds kubectl-client-side-apply and Update entries of GitOps tools into driftless, guarded by resourceVersion', () => {
    const patch = migrationPatch({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        resourceVersion: '42',
        managedFields: [
          { manager: 'kubectl-client-side-apply', operation: 'Update', fieldsV1: { 'f:data': { 'f:a': {} } } },
          { manager: 'argocd-controller', operation: 'Update', fieldsV1: { 'f:data': { 'f:b': {} } } },
          { manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:metadata': {} } },
        ],
      },
    }, '2026-01-01T00:00:00Z')!;
    expect(patch.migrated).toEqual(['argocd-controller', 'kubectl-client-side-apply']);
    expect(patch.operations[0]).toEqual({ op: 'test', path: '/metadata/resourceVersion', value: '42' });
    const entries = patch.operations[1]!.value as Array<{ manager: string; operation: string; fieldsV1: unknown }>;
    expect(entries.map((e) => `${e.manager}/${e.operation}`)).toEqual(['driftless/Apply', 'kube-controller-manager/Update']);
    expect(entries[0]!.fieldsV1).toEqual({ 'f:data': { 'f:a': {}, 'f:b': {} } });
    expect(migrationPatch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', resourceVersion: '1', managedFields: [{ manager: 'driftless', operation: 'Apply' }] } }, 'now')).toBeUndefined();
  });

  it('an adopted kubectl-applied object loses the fields Git dropped', async () => {
    const fake = new Fake();
    fake.cluster.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, 'kube-apiserver');
    fake.cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop' }, data: { keep: '1', drop: '2' } });
    fake.set([configMap('a', { keep: '1' })]);
    const result = await syncApp(fake.deps(), appConfig());
    expect(result.displacedManagers).toEqual(['kubectl-client-side-apply']);
    expect(fake.cluster.find('ConfigMap', 'a')!.data).toEqual({ keep: '1' });
  });
});

describe('force', () => {
  it('force takes fields from other managers and names them; force: false fails instead', async () => {
    const fake = new Fake();
    fake.set([deployment('web', { replicas: 2 })]);
    await syncApp(fake.deps(), appConfig());
    fake.cluster.seed({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 5 } }, 'kubectl', 'Update');
    const strict = await syncApp(fake.deps(), appConfig({ force: false }));
    expect(strict.status).toBe('Failed');
    expect(strict.errors[0]!.code).toBe('APPLY_CONFLICT');
    expect(strict.errors[0]!.message).toContain('conflict with "kubectl"');
    const forced = await syncApp(fake.deps(), appConfig());
    expect(forced.displacedManagers).toEqual(['kubectl']);
    expect((fake.cluster.find('Deployment', 'web')!.spec as { replicas: number }).replicas).toBe(2);
  });
});
