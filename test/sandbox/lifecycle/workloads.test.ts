import { afterEach, describe, expect, it } from 'vitest';
import type { Obj } from '../../../sandbox/contracts.ts';
import { res } from './host.ts';
import { cluster, conditions, delay, get, status } from './support.ts';

let stop: () => void = () => {};
afterEach(() => stop());

const podTemplate = (image: string, restartPolicy?: string): Obj => ({
  metadata: { labels: { app: 'x' } },
  spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'c', image }] },
});

function setImage(o: Obj, image: string): Obj {
  const next = structuredClone(o);
  ((((next.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!.image = image;
  return next;
}

describe('StatefulSet controller', () => {
  it('becomes ready with currentRevision == updateRevision and the real counters', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'StatefulSet'), { metadata: { name: 'db', namespace: 'default' }, spec: { replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'x' } }, template: podTemplate('pg:16') } }, 'kubectl');
    c.host.tick(0);
    let s = status(get(c.host, 'apps', 'StatefulSet', 'default', 'db'));
    expect(s.readyReplicas).toBeUndefined();
    expect(s.availableReplicas).toBe(0);
    // OrderedReady: db-1 is created only once db-0 is Running and Ready.
    c.host.tick(delay);
    s = status(get(c.host, 'apps', 'StatefulSet', 'default', 'db'));
    expect(s).toMatchObject({ replicas: 2, readyReplicas: 1 });
    c.host.tick(delay);
    s = status(get(c.host, 'apps', 'StatefulSet', 'default', 'db'));
    expect(s).toEqual({ observedGeneration: 1, replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2, currentRevision: s.updateRevision, updateRevision: s.updateRevision, collisionCount: 0, availableReplicas: 2 });
    expect(s.updateRevision).toMatch(/^db-[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  it('a template update moves updateRevision first and currentRevision once rolled', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'StatefulSet'), { metadata: { name: 'db', namespace: 'default' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'x' } }, template: podTemplate('pg:16') } }, 'kubectl');
    c.host.tick(delay * 2);
    const first = status(get(c.host, 'apps', 'StatefulSet', 'default', 'db')).currentRevision;
    c.host.update(res('apps', 'StatefulSet'), setImage(get(c.host, 'apps', 'StatefulSet', 'default', 'db'), 'pg:17'), 'kubectl');
    c.host.tick(0);
    let s = status(get(c.host, 'apps', 'StatefulSet', 'default', 'db'));
    expect(s.currentRevision).toBe(first);
    expect(s.updateRevision).not.toBe(first);
    expect(s.observedGeneration).toBe(2);
    c.host.tick(delay);
    s = status(get(c.host, 'apps', 'StatefulSet', 'default', 'db'));
    expect(s.currentRevision).toBe(s.updateRevision);
    expect(s).toMatchObject({ updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
    // One ControllerRevision per template, as `kubectl rollout history` lists them.
    const revisions = c.host.list(res('apps', 'ControllerRevision'), 'default').map((cr) => [(cr.metadata as Obj).name, cr.revision]);
    expect(revisions.sort()).toEqual([[first, 1], [s.updateRevision, 2]].sort());
    const cr = get(c.host, 'apps', 'ControllerRevision', 'default', s.updateRevision as string);
    expect(((cr.metadata as Obj).ownerReferences as Obj[])[0]).toMatchObject({ kind: 'StatefulSet', name: 'db', controller: true });
    expect(((cr.data as Obj).spec as Obj).template).toMatchObject({ $patch: 'replace' });
  });

  it('a broken image keeps the set from becoming ready', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'StatefulSet'), { metadata: { name: 'db', namespace: 'default' }, spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'x' } }, template: podTemplate('pg:broken') } }, 'kubectl');
    c.host.tick(delay * 10);
    expect(status(get(c.host, 'apps', 'StatefulSet', 'default', 'db'))).toMatchObject({ replicas: 1, availableReplicas: 0 });
    expect(status(get(c.host, 'apps', 'StatefulSet', 'default', 'db')).readyReplicas).toBeUndefined();
  });
});

describe('DaemonSet controller (one pretend node)', () => {
  it('schedules one pod and reports it ready', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'DaemonSet'), { metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'x' } }, template: podTemplate('agent:1') } }, 'kubectl');
    c.host.tick(0);
    expect(status(get(c.host, 'apps', 'DaemonSet', 'default', 'agent'))).toEqual({ currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 0, numberUnavailable: 1, updatedNumberScheduled: 1, observedGeneration: 1 });
    c.host.tick(delay);
    expect(status(get(c.host, 'apps', 'DaemonSet', 'default', 'agent'))).toEqual({ currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 1, observedGeneration: 1 });
  });
});

describe('Job controller', () => {
  it('runs, then writes SuccessCriteriaMet and Complete', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('batch', 'Job'), { metadata: { name: 'pi', namespace: 'default' }, spec: { template: podTemplate('perl:5', 'Never') } }, 'kubectl');
    c.host.tick(0);
    let j = get(c.host, 'batch', 'Job', 'default', 'pi');
    expect(status(j)).toMatchObject({ active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(status(j).startTime).toBeDefined();
    c.host.tick(delay);
    j = get(c.host, 'batch', 'Job', 'default', 'pi');
    expect(conditions(j)).toEqual([
      { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
      { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
    ]);
    expect(status(j)).toMatchObject({ succeeded: 1, ready: 0, terminating: 0 });
    expect(status(j).active).toBeUndefined();
    expect(status(j).completionTime).toBeDefined();
  });

  it('an image tagged "fail" fails only after backoffLimit retries, with FailureTarget then Failed', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('batch', 'Job'), { metadata: { name: 'f', namespace: 'default' }, spec: { backoffLimit: 2, template: podTemplate('app:fail', 'Never') } }, 'kubectl');
    c.host.tick(delay / 2 + 1);
    let j = get(c.host, 'batch', 'Job', 'default', 'f');
    // The failed pod is counted; its replacement waits out the back-off.
    expect(status(j)).toMatchObject({ failed: 1 });
    expect(status(j).active).toBeUndefined();
    c.host.tick(delay / 10);
    expect(status(get(c.host, 'batch', 'Job', 'default', 'f'))).toMatchObject({ failed: 1, active: 1 });
    expect(conditions(j)).toEqual([]);
    c.host.tick(delay * 5);
    j = get(c.host, 'batch', 'Job', 'default', 'f');
    expect(status(j).failed).toBe(3);
    expect(conditions(j)).toEqual([
      { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
      { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
    ]);
    expect(status(j).completionTime).toBeUndefined();
  });

  it('a suspended Job does not start; CronJobs are left alone', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('batch', 'Job'), { metadata: { name: 's', namespace: 'default' }, spec: { suspend: true, template: podTemplate('x:1', 'Never') } }, 'kubectl');
    c.host.create(res('batch', 'CronJob'), { metadata: { name: 'cj', namespace: 'default' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: podTemplate('x:1', 'Never') } } } }, 'kubectl');
    c.host.tick(delay * 3);
    expect(status(get(c.host, 'batch', 'Job', 'default', 's'))).toEqual({});
    expect(c.host.writes.filter((w) => w.kind === 'CronJob' && w.manager === 'kube-controller-manager')).toEqual([]);
  });
});

describe('PersistentVolumeClaim binding', () => {
  const claim = (name: string, storageClassName?: string): Obj => ({
    metadata: { name, namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, ...(storageClassName ? { storageClassName } : {}) },
  });

  it('a claim without a class binds to a new volume', () => {
    const c = cluster();
    stop = c.stop;
    const pvc = c.host.create(res('', 'PersistentVolumeClaim'), claim('data'), 'kubectl');
    c.host.tick(0);
    const bound = get(c.host, '', 'PersistentVolumeClaim', 'default', 'data');
    const pvName = `pvc-${(pvc.metadata as Obj).uid}`;
    expect(status(bound)).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' } });
    expect((bound.spec as Obj).volumeName).toBe(pvName);
    expect(((bound.metadata as Obj).annotations as Obj)['pv.kubernetes.io/bind-completed']).toBe('yes');
    const pv = get(c.host, '', 'PersistentVolume', undefined, pvName);
    expect(status(pv)).toEqual({ phase: 'Bound' });
    expect(pv.spec).toMatchObject({ capacity: { storage: '5Gi' }, claimRef: { kind: 'PersistentVolumeClaim', name: 'data', namespace: 'default', uid: (pvc.metadata as Obj).uid }, persistentVolumeReclaimPolicy: 'Delete' });
  });

  it('a WaitForFirstConsumer class keeps the claim Pending; an Immediate one binds', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('storage.k8s.io', 'StorageClass'), { metadata: { name: 'gp3' }, provisioner: 'ebs.csi.aws.com', volumeBindingMode: 'WaitForFirstConsumer' }, 'kubectl');
    c.host.create(res('storage.k8s.io', 'StorageClass'), { metadata: { name: 'fast' }, provisioner: 'x.csi' }, 'kubectl');
    c.host.create(res('', 'PersistentVolumeClaim'), claim('wait', 'gp3'), 'kubectl');
    c.host.create(res('', 'PersistentVolumeClaim'), claim('now', 'fast'), 'kubectl');
    c.host.tick(delay * 5);
    expect(status(get(c.host, '', 'PersistentVolumeClaim', 'default', 'wait'))).toEqual({ phase: 'Pending' });
    const now = get(c.host, '', 'PersistentVolumeClaim', 'default', 'now');
    expect(status(now).phase).toBe('Bound');
    expect(((now.metadata as Obj).annotations as Obj)['volume.kubernetes.io/storage-provisioner']).toBe('x.csi');
  });

  it('a claim without a class takes the default class, and deleting the claim deletes its volume', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('storage.k8s.io', 'StorageClass'), { metadata: { name: 'gp2', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'kubernetes.io/aws-ebs', volumeBindingMode: 'WaitForFirstConsumer' }, 'kubectl');
    c.host.create(res('', 'PersistentVolumeClaim'), claim('d'), 'kubectl');
    c.host.create(res('', 'PersistentVolumeClaim'), claim('i', 'other'), 'kubectl');
    c.host.tick(delay);
    const d = get(c.host, '', 'PersistentVolumeClaim', 'default', 'd');
    expect((d.spec as Obj).storageClassName).toBe('gp2');
    expect(status(d).phase).toBe('Pending');
    expect(c.host.list(res('', 'PersistentVolume'))).toHaveLength(1);
    c.host.delete(res('', 'PersistentVolumeClaim'), 'default', 'i');
    c.host.tick(0);
    expect(c.host.list(res('', 'PersistentVolume'))).toHaveLength(0);
  });
});
