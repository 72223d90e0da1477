import { afterEach, describe, expect, it } from 'vitest';
import type { Obj } from '../../../sandbox/contracts.ts';
import { printedStatus } from '../../../sandbox/lifecycle/controllers/kubelet.ts';
import { type MemoryHost, res } from './host.ts';
import { cluster, conditions, delay, deployment, get, status } from './support.ts';

let stop: () => void = () => {};
afterEach(() => stop());

function pods(host: MemoryHost): Obj[] {
  return host.list(res('', 'Pod'), 'default');
}

function events(host: MemoryHost, name?: string): Array<{ reason: unknown; message: unknown; type: unknown; count: unknown }> {
  return host.list(res('', 'Event'), 'default')
    .filter((e) => name === undefined || (e.involvedObject as Obj).name === name)
    .map((e) => ({ reason: e.reason, message: e.message, type: e.type, count: e.count }));
}

function containerState(p: Obj): Obj {
  return ((status(p).containerStatuses as Obj[])[0]!.state as Obj);
}

function withContainer(d: Obj, patch: Obj, podSpec: Obj = {}): Obj {
  const spec = ((d.spec as Obj).template as Obj).spec as Obj;
  Object.assign((spec.containers as Obj[])[0]!, patch);
  Object.assign(spec, podSpec);
  return d;
}

describe('ReplicaSet pods', () => {
  it('are created with generated names, the controller reference and pod-template-hash, then scheduled and Ready', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1', { replicas: 2 }), 'kubectl');
    c.host.tick(0);
    const [rs] = c.host.list(res('apps', 'ReplicaSet'), 'default');
    const rsMeta = rs!.metadata as Obj;
    const hash = (rsMeta.labels as Obj)['pod-template-hash'] as string;
    const list = pods(c.host);
    expect(list).toHaveLength(2);
    for (const p of list) {
      const meta = p.metadata as Obj;
      expect(meta.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(meta.generateName).toBe(`web-${hash}-`);
      expect(meta.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
      expect(meta.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsMeta.name, uid: rsMeta.uid, controller: true, blockOwnerDeletion: true }]);
      expect((p.spec as Obj).nodeName).toBe('sandbox-node');
      expect(conditions(p)).toEqual([{ type: 'PodScheduled', status: 'True', reason: undefined, message: undefined }]);
    }
    c.host.tick(delay);
    for (const p of pods(c.host)) {
      expect(status(p)).toMatchObject({ phase: 'Running', hostIP: '172.18.0.2' });
      expect(status(p).podIP).toMatch(/^10\.244\.\d+\.\d+$/);
      expect(status(p).podIPs).toEqual([{ ip: status(p).podIP }]);
      expect(conditions(p).map((x) => [x.type, x.status])).toEqual([['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True']]);
      expect(printedStatus(p)).toBe('Running');
    }
    expect(new Set(pods(c.host).map((p) => status(p).podIP)).size).toBe(2);
    const podName = (pods(c.host)[0]!.metadata as Obj).name as string;
    expect(events(c.host, podName).map((e) => e.reason)).toEqual(['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']);
    expect(events(c.host, rsMeta.name as string).map((e) => e.reason)).toEqual(['SuccessfulCreate', 'SuccessfulCreate']);
    expect(events(c.host, 'web')).toEqual([{ reason: 'ScalingReplicaSet', type: 'Normal', count: 1, message: `Scaled up replica set ${rsMeta.name as string} from 0 to 2` }]);
  });

  it('a deleted pod is recreated; a scale-down deletes the not-ready pod first', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1', { replicas: 2 }), 'kubectl');
    c.host.tick(delay * 2);
    const first = (pods(c.host)[0]!.metadata as Obj).name as string;
    c.host.delete(res('', 'Pod'), 'default', first);
    c.host.tick(0);
    const names = pods(c.host).map((p) => (p.metadata as Obj).name as string);
    expect(names).toHaveLength(2);
    expect(names).not.toContain(first);
    const fresh = names.find((n) => !pods(c.host).some((p) => (p.metadata as Obj).name === n && status(p).phase === 'Running'))!;
    const d = get(c.host, 'apps', 'Deployment', 'default', 'web');
    c.host.update(res('apps', 'Deployment'), { ...d, spec: { ...(d.spec as Obj), replicas: 1 } }, 'kubectl');
    c.host.tick(0);
    expect(pods(c.host).map((p) => (p.metadata as Obj).name)).not.toContain(fresh);
    expect(pods(c.host)).toHaveLength(1);
  });
});

describe('Pod failures come from the Pod spec', () => {
  it('an env reference to a missing ConfigMap is CreateContainerConfigError until the ConfigMap appears', () => {
    const c = cluster();
    stop = c.stop;
    const d = withContainer(deployment('web', 'nginx:1'), { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'a' } } }, { name: 'B', valueFrom: { secretKeyRef: { name: 'maybe', key: 'b', optional: true } } }] });
    c.host.create(res('apps', 'Deployment'), d, 'kubectl');
    c.host.tick(delay * 2);
    const [p] = pods(c.host);
    expect(status(p!).phase).toBe('Pending');
    expect(containerState(p!).waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'configmap "settings" not found' });
    expect(printedStatus(p!)).toBe('CreateContainerConfigError');
    expect(events(c.host, (p!.metadata as Obj).name as string)).toContainEqual({ reason: 'Failed', type: 'Warning', message: 'Error: configmap "settings" not found', count: 1 });
    c.host.create(res('', 'ConfigMap'), { metadata: { name: 'settings', namespace: 'default' }, data: { other: 'x' } }, 'kubectl');
    c.host.tick(0);
    expect(containerState(pods(c.host)[0]!).waiting).toEqual({ reason: 'CreateContainerConfigError', message: "couldn't find key a in ConfigMap default/settings" });
    const cm = get(c.host, '', 'ConfigMap', 'default', 'settings');
    c.host.update(res('', 'ConfigMap'), { ...cm, data: { a: '1' } }, 'kubectl');
    c.host.tick(delay * 2);
    expect(status(pods(c.host)[0]!).phase).toBe('Running');
    expect(status(get(c.host, 'apps', 'Deployment', 'default', 'web')).availableReplicas).toBe(1);
  });

  it('a missing Secret mounted as a volume leaves the Pod ContainerCreating with FailedMount; an optional one mounts', () => {
    const c = cluster();
    stop = c.stop;
    const volumes = [{ name: 'tls', secret: { secretName: 'web-tls' } }, { name: 'extra', configMap: { name: 'nope', optional: true } }];
    c.host.create(res('apps', 'Deployment'), withContainer(deployment('web', 'nginx:1'), {}, { volumes }), 'kubectl');
    c.host.create(res('apps', 'Deployment'), withContainer(deployment('opt', 'nginx:1'), {}, { volumes: [volumes[1]] }), 'kubectl');
    c.host.tick(delay * 2);
    const web = pods(c.host).find((p) => ((p.metadata as Obj).labels as Obj).app === 'web')!;
    expect(status(web).phase).toBe('Pending');
    expect(containerState(web).waiting).toEqual({ reason: 'ContainerCreating' });
    expect(printedStatus(web)).toBe('ContainerCreating');
    expect(events(c.host, (web.metadata as Obj).name as string)).toContainEqual({ reason: 'FailedMount', type: 'Warning', count: 1, message: 'MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found' });
    expect(status(get(c.host, 'apps', 'Deployment', 'default', 'opt')).availableReplicas).toBe(1);
  });

  it('a "broken" tag is ErrImagePull then ImagePullBackOff', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:v2-broken'), 'kubectl');
    c.host.tick(delay / 2);
    expect(containerState(pods(c.host)[0]!).waiting).toMatchObject({ reason: 'ErrImagePull', message: expect.stringContaining('failed to pull and unpack image "docker.io/library/nginx:v2-broken"') });
    c.host.tick(delay / 2);
    const p = pods(c.host)[0]!;
    expect(containerState(p).waiting).toMatchObject({ reason: 'ImagePullBackOff', message: expect.stringMatching(/^Back-off pulling image "nginx:v2-broken": ErrImagePull: rpc error/) });
    expect(events(c.host, (p.metadata as Obj).name as string).map((e) => e.message)).toContain('Back-off pulling image "nginx:v2-broken"');
  });

  it('a "crash" tag is CrashLoopBackOff with restarts, lastState and the growing back-off', () => {
    const c = cluster();
    stop = c.stop;
    const d = deployment('web', 'nginx:crash');
    (((d.spec as Obj).template as Obj).spec as Obj).containers = [{ name: 'web', image: 'nginx:crash' }];
    c.host.create(res('apps', 'Deployment'), d, 'kubectl');
    c.host.tick(delay);
    let p = pods(c.host)[0]!;
    const meta = p.metadata as Obj;
    const cs = (status(p).containerStatuses as Obj[])[0]!;
    expect(status(p).phase).toBe('Running');
    expect(cs).toMatchObject({ restartCount: 1, ready: false, lastState: { terminated: { exitCode: 1, reason: 'Error' } } });
    expect((cs.state as Obj).waiting).toEqual({ reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=web pod=${meta.name as string}_default(${meta.uid as string})` });
    c.host.tick(10_000);
    p = pods(c.host)[0]!;
    expect((status(p).containerStatuses as Obj[])[0]).toMatchObject({ restartCount: 2, state: { waiting: { message: expect.stringMatching(/^back-off 20s /) } } });
    const backoff = events(c.host, meta.name as string).find((e) => e.reason === 'BackOff')!;
    // One Event, its count growing with each back-off (aggregated, not a new object each time).
    expect(backoff.count).toBeGreaterThanOrEqual(2);
    expect(backoff).toEqual({ reason: 'BackOff', type: 'Warning', count: backoff.count, message: `Back-off restarting failed container web in pod ${meta.name as string}_default(${meta.uid as string})` });
    expect(printedStatus(p)).toBe('CrashLoopBackOff');
  });

  it('a nodeSelector no node matches is Pending with PodScheduled=False Unschedulable', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), withContainer(deployment('web', 'nginx:1'), {}, { nodeSelector: { disktype: 'ssd' } }), 'kubectl');
    c.host.tick(delay * 2);
    const p = pods(c.host)[0]!;
    expect(status(p).phase).toBe('Pending');
    expect((p.spec as Obj).nodeName).toBeUndefined();
    const msg = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
    expect(conditions(p)).toEqual([{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg }]);
    expect(printedStatus(p)).toBe('Pending');
    expect(events(c.host, (p.metadata as Obj).name as string)).toEqual([{ reason: 'FailedScheduling', type: 'Warning', count: 1, message: msg }]);
  });

  it('a readiness probe running "false" is Running but never Ready', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), withContainer(deployment('web', 'nginx:1'), { readinessProbe: { exec: { command: ['false'] } } }), 'kubectl');
    c.host.tick(delay * 3);
    const p = pods(c.host)[0]!;
    expect(status(p).phase).toBe('Running');
    expect(conditions(p).find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [c]' });
    expect(status(get(c.host, 'apps', 'Deployment', 'default', 'web')).readyReplicas).toBeUndefined();
  });
});

describe('Deployment rollouts with Pods', () => {
  function setImage(host: MemoryHost, image: string): void {
    const d = structuredClone(get(host, 'apps', 'Deployment', 'default', 'web'));
    ((((d.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!.image = image;
    host.update(res('apps', 'Deployment'), d, 'kubectl');
  }

  it('honours maxSurge and maxUnavailable step by step', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1', { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }), 'kubectl');
    c.host.tick(delay * 2);
    setImage(c.host, 'nginx:2');
    const peak = { total: 0, unavailable: 0 };
    for (let i = 0; i < 40; i++) {
      c.host.tick(delay / 4);
      const all = pods(c.host);
      peak.total = Math.max(peak.total, all.length);
      const ready = all.filter((p) => conditions(p).some((x) => x.type === 'Ready' && x.status === 'True')).length;
      peak.unavailable = Math.max(peak.unavailable, 4 - ready);
    }
    expect(peak).toEqual({ total: 5, unavailable: 0 });
    const d = get(c.host, 'apps', 'Deployment', 'default', 'web');
    expect(status(d)).toMatchObject({ replicas: 4, updatedReplicas: 4, availableReplicas: 4 });
    expect(pods(c.host).every((p) => (((p.spec as Obj).containers as Obj[])[0]!.image === 'nginx:2'))).toBe(true);
  });

  it('rolling back to an earlier template reuses its ReplicaSet at a new revision', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1'), 'kubectl');
    c.host.tick(delay * 2);
    const firstRS = (c.host.list(res('apps', 'ReplicaSet'), 'default')[0]!.metadata as Obj).name;
    setImage(c.host, 'nginx:2');
    c.host.tick(delay * 3);
    setImage(c.host, 'nginx:1');
    c.host.tick(delay * 3);
    const sets = c.host.list(res('apps', 'ReplicaSet'), 'default');
    expect(sets).toHaveLength(2);
    const back = sets.find((rs) => (rs.metadata as Obj).name === firstRS)!;
    expect(((back.metadata as Obj).annotations as Obj)['deployment.kubernetes.io/revision']).toBe('3');
    expect((back.spec as Obj).replicas).toBe(1);
  });

  it('a Deployment whose pods crash reaches ProgressDeadlineExceeded after its progressDeadlineSeconds', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:crash', { progressDeadlineSeconds: 5 }), 'kubectl');
    c.host.tick(4_000);
    expect(conditions(get(c.host, 'apps', 'Deployment', 'default', 'web')).find((x) => x.type === 'Progressing')?.status).toBe('True');
    c.host.tick(2_000);
    expect(conditions(get(c.host, 'apps', 'Deployment', 'default', 'web')).find((x) => x.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
  });
});

describe('StatefulSet and Job pods', () => {
  it('a StatefulSet names pods by ordinal and creates their claims from volumeClaimTemplates', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'StatefulSet'), {
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'pg:16', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    }, 'kubectl');
    c.host.tick(delay * 3);
    expect(pods(c.host).map((p) => (p.metadata as Obj).name).sort()).toEqual(['db-0', 'db-1']);
    const p0 = get(c.host, '', 'Pod', 'default', 'db-0');
    expect((p0.metadata as Obj).labels).toMatchObject({ app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-0', 'apps.kubernetes.io/pod-index': '0' });
    expect((p0.spec as Obj).volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }]);
    expect(c.host.list(res('', 'PersistentVolumeClaim'), 'default').map((x) => (x.metadata as Obj).name).sort()).toEqual(['data-db-0', 'data-db-1']);
    expect(status(get(c.host, 'apps', 'StatefulSet', 'default', 'db'))).toMatchObject({ replicas: 2, readyReplicas: 2 });
  });

  it('Job pods carry the job labels and complete', () => {
    const c = cluster();
    stop = c.stop;
    const job = c.host.create(res('batch', 'Job'), { metadata: { name: 'pi', namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5' }] } } } }, 'kubectl');
    c.host.tick(delay);
    const [p] = pods(c.host);
    const uid = (job.metadata as Obj).uid;
    expect((p!.metadata as Obj).labels).toEqual({ 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' });
    expect(status(p!).phase).toBe('Succeeded');
    expect(printedStatus(p!)).toBe('Completed');
  });
});
