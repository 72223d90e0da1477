import { describe, expect, it } from 'vitest';
import { assessHealth } from '../../src/health/assess.ts';
import { waitForHealth } from '../../src/health/wait.ts';
import { syncApp } from '../../src/sync/sync.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { MemoryCluster } from '../support/memory-cluster.ts';
import { appConfig, deployment, Fake } from '../sync/fixtures.ts';

const dep = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 2): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', generation }, spec, status });

describe('assessHealth', () => {
  it('Deployments: observed generation, updated and available replicas, progress deadline', () => {
    expect(assessHealth(dep({ replicas: 2 }, { observedGeneration: 1 })).status).toBe('Progressing');
    expect(assessHealth(dep({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 2 })).message).toBe('1 of 2 replicas updated');
    expect(assessHealth(dep({ replicas: 2 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })).status).toBe('Progressing');
    expect(assessHealth(dep({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).status).toBe('Healthy');
    expect(assessHealth(dep({ replicas: 2 }, { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }] })).status).toBe('Degraded');
  });
  it('StatefulSets, DaemonSets, Jobs, CRDs', () => {
    const sts = (status: Record<string, unknown>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', generation: 1 }, spec: { replicas: 1 }, status: { observedGeneration: 1, ...status } });
    expect(assessHealth(sts({ readyReplicas: 1, currentRevision: 'a', updateRevision: 'b' })).status).toBe('Progressing');
    expect(assessHealth(sts({ readyReplicas: 1, currentRevision: 'b', updateRevision: 'b' })).status).toBe('Healthy');
    const ds = (status: Record<string, unknown>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', generation: 1 }, status: { observedGeneration: 1, desiredNumberScheduled: 3, ...status } });
    expect(assessHealth(ds({ updatedNumberScheduled: 3, numberAvailable: 2 })).status).toBe('Progressing');
    expect(assessHealth(ds({ updatedNumberScheduled: 3, numberAvailable: 3 })).status).toBe('Healthy');
    const job = (type: string): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: { conditions: [{ type, status: 'True', reason: 'BackoffLimitExceeded' }] } });
    expect(assessHealth(job('Complete')).status).toBe('Healthy');
    expect(assessHealth(job('Failed'))).toMatchObject({ status: 'Degraded', message: 'job failed: BackoffLimitExceeded' });
    expect(assessHealth({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'c' }, status: { conditions: [{ type: 'Established', status: 'True' }] } }).status).toBe('Healthy');
  });
  it('PVCs: Bound healthy, Pending healthy only under WaitForFirstConsumer', () => {
    const pvc = (phase: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p' }, spec: { storageClassName: 'gp3' }, status: { phase } });
    expect(assessHealth(pvc('Bound')).status).toBe('Healthy');
    expect(assessHealth(pvc('Pending')).status).toBe('Progressing');
    expect(assessHealth(pvc('Pending'), 'WaitForFirstConsumer').status).toBe('Healthy');
  });
});

describe('waitForHealth', () => {
  it('uses the first observation for free and polls a storage class for Pending PVCs', async () => {
    const cluster = new MemoryCluster();
    cluster.seed({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'gp3' }, volumeBindingMode: 'WaitForFirstConsumer' }, 'admin');
    const pvcType = (await cluster.resolve('v1', 'PersistentVolumeClaim'))!;
    const observed: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p', namespace: 'default' }, spec: { storageClassName: 'gp3' }, status: { phase: 'Pending' } };
    cluster.resetCounters();
    const verdicts = await waitForHealth(cluster, [{ key: 'k', ref: { group: '', kind: 'PersistentVolumeClaim', namespace: 'default', name: 'p' }, type: pvcType, observed }], { timeoutMs: 1000, pollMs: 1 });
    expect(verdicts.get('k')?.status).toBe('Healthy');
    expect(cluster.counters.gets).toBe(1);
  });

  it('a Deployment that never rolls out marks the sync Degraded after the timeout', async () => {
    const fake = new Fake();
    fake.cluster.autoReady = false;
    fake.set([deployment('web')]);
    let clock = 0;
    const deps = { ...fake.deps(), sleep: async (ms: number) => void (clock += ms) };
    const originalNow = Date.now;
    Date.now = () => originalNow() + clock;
    try {
      const result = await syncApp(deps, appConfig({ healthTimeoutSeconds: 1 }));
      expect(result.status).toBe('Degraded');
      expect(result.health).toBe('Progressing');
      expect(result.errors[0]).toMatchObject({ code: 'HEALTH_TIMEOUT', file: 'app/deployment-web.yaml' });
    } finally {
      Date.now = originalNow;
    }
  });

  it('polls two or more pending objects of one kind with one LIST per round, not a GET each', async () => {
    const fake = new Fake();
    fake.cluster.autoReady = false;
    fake.set([deployment('a'), deployment('b')]);
    const ready = async (): Promise<void> => {
      for (const s of fake.cluster.store.values()) {
        if (s.object.kind === 'Deployment') s.object.status = { observedGeneration: s.object.metadata.generation, replicas: 1, updatedReplicas: 1, availableReplicas: 1 };
      }
      fake.cluster.resetCounters();
    };
    const result = await syncApp({ ...fake.deps(), sleep: ready }, appConfig());
    expect(result.status).toBe('Synced');
    expect(fake.cluster.counters.lists).toBe(1);
    expect(fake.cluster.counters.gets).toBe(0);
  });
});
