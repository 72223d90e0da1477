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

describe('custom resources, as kstatus reads them', () => {
  const cr = (status?: Record<string, unknown>, generation = 2): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', generation }, ...(status ? { status } : {}) });
  const cond = (type: string, status: string, reason = 'R', message = 'm'): Record<string, unknown> => ({ type, status, reason, message });

  it('no status is Healthy; an unobserved generation is Progressing', () => {
    expect(assessHealth(cr()).status).toBe('Healthy');
    expect(assessHealth(cr({ observedGeneration: 1, conditions: [cond('Ready', 'True')] }))).toMatchObject({ status: 'Progressing', message: 'waiting for the controller to observe generation 2 (observed 1)' });
  });

  it('Stalled is Degraded, Reconciling and Ready/Available=False Progressing, Ready=True Healthy', () => {
    expect(assessHealth(cr({ observedGeneration: 2, conditions: [cond('Stalled', 'True', 'BadConfig', 'port out of range')] }))).toEqual({ status: 'Degraded', message: 'stalled: BadConfig: port out of range' });
    expect(assessHealth(cr({ conditions: [cond('Reconciling', 'True', 'Progressing', 'creating')] })).status).toBe('Progressing');
    expect(assessHealth(cr({ conditions: [cond('Ready', 'False', 'Waiting', 'dependency not ready')] }))).toEqual({ status: 'Progressing', message: 'not ready: Waiting: dependency not ready' });
    expect(assessHealth(cr({ conditions: [cond('Available', 'False')] })).status).toBe('Progressing');
    expect(assessHealth(cr({ observedGeneration: 2, conditions: [cond('Ready', 'True')] })).status).toBe('Healthy');
  });

  it('status.phase: Failed/Error Degraded, Pending/Progressing Progressing, Running/Bound/… Healthy', () => {
    expect(assessHealth(cr({ phase: 'Failed', message: 'quota' }))).toEqual({ status: 'Degraded', message: 'phase Failed: quota' });
    expect(assessHealth(cr({ phase: 'Error' })).status).toBe('Degraded');
    expect(assessHealth(cr({ phase: 'Pending' })).status).toBe('Progressing');
    for (const phase of ['Running', 'Succeeded', 'Ready', 'Active', 'Bound', 'Whatever']) expect(assessHealth(cr({ phase })).status).toBe('Healthy');
  });

  it('built-in kinds without a rule stay Healthy whatever their status says', () => {
    expect(assessHealth({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, status: { phase: 'Failed' } } as KubeObject).status).toBe('Healthy');
  });

  it('an ignored kind is Healthy at once, without a request', async () => {
    const cluster = new MemoryCluster();
    const type = { group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true };
    cluster.resetCounters();
    const verdicts = await waitForHealth(cluster, [{ key: 'w', ref: { group: 'example.com', kind: 'Widget', namespace: 'default', name: 'w' }, type, observed: cr({ phase: 'Failed' }) }], { timeoutMs: 1000, pollMs: 1, ignore: [{ group: 'example.com', kind: 'Widget' }] });
    expect(verdicts.get('w')?.status).toBe('Healthy');
    expect(cluster.counters.total).toBe(0);
  });
});

/** Counts pod LISTs and checks each one carries the workload's selector. */
function spyPodLists(cluster: MemoryCluster): () => number {
  let n = 0;
  const list = cluster.list.bind(cluster);
  cluster.list = async (type, namespace, options) => {
    if (type.kind === 'Pod') {
      n++;
      expect(options).toEqual({ labelSelector: 'app=web' });
    }
    return list(type, namespace, options);
  };
  return () => n;
}

describe('why a rollout is stuck: the pods say', () => {
  const pod = (name: string, status: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x' }] }, status });
  const waiting = (reason: string, message?: string): Record<string, unknown> => ({ phase: 'Running', containerStatuses: [{ name: 'web', ready: false, restartCount: 3, state: { waiting: { reason, ...(message ? { message } : {}) } } }] });

  it('names the pod, the reason and the container message', async () => {
    const { podDiagnosis } = await import('../../src/health/pods.ts');
    expect(podDiagnosis([pod('web-7c9-abcde', waiting('CrashLoopBackOff', 'back-off 10s restarting failed container=web pod=web-7c9-abcde_default(1234)'))])).toBe('web-7c9-abcde CrashLoopBackOff: back-off 10s restarting failed container web');
    expect(podDiagnosis([pod('a', { phase: 'Pending', containerStatuses: [{ name: 'web', state: { waiting: { reason: 'CreateContainerConfigError', message: 'configmap "settings" not found' } } }] })])).toBe('a CreateContainerConfigError: configmap "settings" not found');
    expect(podDiagnosis([pod('a', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' }] })])).toBe('a Unschedulable: 0/1 nodes are available');
    expect(podDiagnosis([pod('a', { phase: 'Pending', containerStatuses: [{ name: 'web', state: { waiting: { reason: 'ContainerCreating' } } }] })])).toBe('a ContainerCreating');
    expect(podDiagnosis([pod('a', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' }] })])).toBe('a not ready: containers with unready status: [web]');
    expect(podDiagnosis([pod('a', waiting('ImagePullBackOff', 'Back-off pulling image "x"')), pod('b', waiting('ImagePullBackOff', 'Back-off pulling image "x"')), pod('c', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })])).toBe('a ImagePullBackOff: Back-off pulling image "x" (and 1 more pod)');
    expect(podDiagnosis([pod('c', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })])).toBeUndefined();
  });

  it('one pod LIST per stuck workload per poll, by its selector; none on the healthy path', async () => {
    const fake = new Fake();
    fake.cluster.autoReady = false;
    fake.set([deployment('web')]);
    fake.cluster.seed(pod('web-1-abcde', waiting('CrashLoopBackOff', 'back-off 10s restarting failed container=web pod=web-1-abcde_default(1)')));
    fake.cluster.seed({ ...pod('other-1', waiting('ImagePullBackOff')), metadata: { name: 'other-1', namespace: 'shop', labels: { app: 'other' } } });
    const podLists = spyPodLists(fake.cluster);
    let clock = 0;
    let polls = 0;
    const deps = { ...fake.deps(), sleep: async (ms: number) => { clock += ms; polls++; } };
    const originalNow = Date.now;
    Date.now = () => originalNow() + clock;
    try {
      fake.cluster.resetCounters();
      const result = await syncApp(deps, appConfig({ healthTimeoutSeconds: 5 }));
      expect(result.errors[0]).toMatchObject({ code: 'HEALTH_TIMEOUT' });
      expect(result.errors[0]!.message).toMatch(/web-1-abcde CrashLoopBackOff: back-off 10s restarting failed container web$/);
      expect(result.errors[0]!.message).not.toContain('other-1');
      expect(podLists()).toBe(polls);
    } finally {
      Date.now = originalNow;
    }
    const healthy = new Fake();
    healthy.set([deployment('web')]);
    const healthyPodLists = spyPodLists(healthy.cluster);
    const ok = await syncApp(healthy.deps(), appConfig());
    expect(ok.status).toBe('Synced');
    expect(healthyPodLists()).toBe(0);
  });
});

describe('why a rollout is stuck: pods its controller could not create', () => {
  const failed = { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'Error creating: pods "web-1-abcde" is forbidden: exceeded quota: pods2' };
  const rs = (name: string, revision: string, uid: string, conditions: unknown[] = []): KubeObject => ({
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name, namespace: 'shop', labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid, controller: true }] },
    spec: { selector: { matchLabels: { app: 'web' } } },
    status: { replicas: 0, conditions },
  });

  it('reads the ReplicaFailure condition of the newest ReplicaSet the Deployment owns', async () => {
    const { newestOwned, replicaFailure } = await import('../../src/health/pods.ts');
    const web = { ...deployment('web'), metadata: { name: 'web', namespace: 'shop', uid: 'u1' } };
    const old = rs('web-1', '1', 'u1');
    const current = rs('web-2', '2', 'u1', [failed]);
    const foreign = rs('web-9', '9', 'other', [failed]);
    expect(newestOwned(web, [old, foreign, current])?.metadata.name).toBe('web-2');
    expect(replicaFailure(current)).toBe('FailedCreate: Error creating: pods "web-1-abcde" is forbidden: exceeded quota: pods2');
    expect(replicaFailure(old)).toBeUndefined();
    expect(replicaFailure(rs('x', '1', 'u1', [{ ...failed, status: 'False' }]))).toBeUndefined();
  });

  it('a Deployment with no pods: its ReplicaSet says why, with one ReplicaSet LIST per poll', async () => {
    const fake = new Fake();
    fake.cluster.autoReady = false;
    fake.set([deployment('web')]);
    const lists: string[] = [];
    const list = fake.cluster.list.bind(fake.cluster);
    fake.cluster.list = async (type, namespace, options) => {
      lists.push(type.kind);
      const found = await list(type, namespace, options);
      if (type.kind !== 'ReplicaSet') return found;
      const live = await fake.cluster.get({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true }, 'web', 'shop');
      return [rs('web-2', '2', String(live?.metadata.uid), [failed])];
    };
    let clock = 0;
    const deps = { ...fake.deps(), sleep: async (ms: number) => { clock += ms; } };
    const originalNow = Date.now;
    Date.now = () => originalNow() + clock;
    try {
      const result = await syncApp(deps, appConfig({ healthTimeoutSeconds: 5 }));
      expect(result.errors[0]).toMatchObject({ code: 'HEALTH_TIMEOUT' });
      expect(result.errors[0]!.message).toMatch(/; ReplicaSet web-2 FailedCreate: Error creating: pods "web-1-abcde" is forbidden: exceeded quota: pods2$/);
      expect(lists.filter((k) => k === 'ReplicaSet').length).toBe(lists.filter((k) => k === 'Pod').length);
    } finally {
      Date.now = originalNow;
    }
  });
});
