import { afterEach, describe, expect, it } from 'vitest';
import type { Obj } from '../../../sandbox/contracts.ts';
import { defaultPropagationPolicy, jobOrphanWarning } from '../../../sandbox/lifecycle/index.ts';
import { res } from './host.ts';
import { cluster, conditions, delay, deployment, get, status } from './support.ts';

let stop: () => void = () => {};
afterEach(() => stop());

const pod = (name: string, image: string, restartPolicy?: string): Obj => ({
  metadata: { name, namespace: 'default' },
  spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'main', image }] },
});

describe('bare Pods (pretend scheduler and kubelet)', () => {
  it('run and turn Ready after the delay', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('', 'Pod'), pod('p', 'nginx:1'), 'kubectl');
    c.host.tick(0);
    expect(status(get(c.host, '', 'Pod', 'default', 'p')).phase).toBe('Pending');
    c.host.tick(delay);
    const p = get(c.host, '', 'Pod', 'default', 'p');
    expect(status(p)).toMatchObject({ phase: 'Running', hostIP: '172.18.0.2', qosClass: 'BestEffort' });
    expect(conditions(p).map((x) => [x.type, x.status])).toEqual([['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True']]);
    expect((status(p).containerStatuses as Obj[])[0]).toMatchObject({ name: 'main', ready: true, started: true, restartCount: 0, state: { running: {} } });
  });

  it('complete with restartPolicy Never, fail with a "fail" image, back off on a "broken" one', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('', 'Pod'), pod('done', 'busybox:1', 'Never'), 'kubectl');
    c.host.create(res('', 'Pod'), pod('bad', 'busybox:fail', 'Never'), 'kubectl');
    c.host.create(res('', 'Pod'), pod('pull', 'busybox:broken'), 'kubectl');
    c.host.tick(delay);
    expect(status(get(c.host, '', 'Pod', 'default', 'done')).phase).toBe('Succeeded');
    const bad = get(c.host, '', 'Pod', 'default', 'bad');
    expect(status(bad).phase).toBe('Failed');
    expect(((status(bad).containerStatuses as Obj[])[0]!.state as Obj).terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    const pull = get(c.host, '', 'Pod', 'default', 'pull');
    expect(status(pull).phase).toBe('Pending');
    expect(((status(pull).containerStatuses as Obj[])[0]!.state as Obj).waiting).toMatchObject({ reason: 'ImagePullBackOff' });
    expect(conditions(pull).find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [main]' });
  });
});

describe('LoadBalancer Services and the node', () => {
  it('a LoadBalancer Service gets an ingress IP after the delay; ClusterIP ones do not', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('', 'Service'), { metadata: { name: 'lb', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } }, 'kubectl');
    c.host.create(res('', 'Service'), { metadata: { name: 'ip', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }, 'kubectl');
    c.host.tick(0);
    expect(status(get(c.host, '', 'Service', 'default', 'lb'))).toEqual({ loadBalancer: {} });
    c.host.tick(delay);
    const ingress = ((status(get(c.host, '', 'Service', 'default', 'lb')).loadBalancer as Obj).ingress as Obj[])[0]!;
    expect(ingress.ip).toMatch(/^172\.18\.\d+\.\d+$/);
    expect(ingress.ipMode).toBe('VIP');
    expect(status(get(c.host, '', 'Service', 'default', 'ip'))).toEqual({ loadBalancer: {} });
  });

  it('a fresh cluster registers one Ready node', () => {
    const c = cluster();
    stop = c.stop;
    const [node] = c.host.list(res('', 'Node'));
    expect((node!.metadata as Obj).name).toBe('sandbox-node');
    expect(conditions(node!).find((x) => x.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(c.host.writes.find((w) => w.kind === 'Node')?.manager).toBe('kubelet');
  });
});

describe('more Deployment cases', () => {
  it('a paused Deployment reports DeploymentPaused and rolls nothing out', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'x:1', { paused: true }), 'kubectl');
    c.host.tick(delay * 2);
    expect(c.host.list(res('apps', 'ReplicaSet'), 'default')).toEqual([]);
    expect(conditions(get(c.host, 'apps', 'Deployment', 'default', 'web')).find((x) => x.type === 'Progressing')).toEqual({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
  });

  it('Recreate scales the old ReplicaSet down at once', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'x:1', { strategy: { type: 'Recreate' } }), 'kubectl');
    c.host.tick(delay * 2);
    const d = get(c.host, 'apps', 'Deployment', 'default', 'web');
    ((((d.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!.image = 'x:broken';
    c.host.update(res('apps', 'Deployment'), d, 'kubectl');
    c.host.tick(0);
    const replicas = c.host.list(res('apps', 'ReplicaSet'), 'default').map((rs) => (rs.spec as Obj).replicas).sort();
    expect(replicas).toEqual([0, 1]);
    expect(status(get(c.host, 'apps', 'Deployment', 'default', 'web')).availableReplicas).toBeUndefined();
  });
});

describe('default propagation policy', () => {
  it('batch/v1 Jobs and ReplicationControllers orphan; others delete in the background', () => {
    expect(defaultPropagationPolicy(res('batch', 'Job'))).toBe('Orphan');
    expect(defaultPropagationPolicy({ group: '', version: 'v1', kind: 'ReplicationController' })).toBe('Orphan');
    expect(defaultPropagationPolicy(res('apps', 'Deployment'))).toBe('Background');
    expect(jobOrphanWarning).toMatch(/^child pods are preserved by default when jobs are deleted/);
  });
});
