import { afterEach, describe, expect, it } from 'vitest';
import type { Obj } from '../../../sandbox/contracts.ts';
import { res } from './host.ts';
import { cluster, conditions, delay, deployment, get, status } from './support.ts';

let stop: () => void = () => {};
afterEach(() => stop());

function replicaSets(host: ReturnType<typeof cluster>['host']): Obj[] {
  return host.list(res('apps', 'ReplicaSet'), 'default');
}

describe('Deployment controller', () => {
  it('creates a ReplicaSet with pod-template-hash, revision and replica annotations, owned by the Deployment', () => {
    const c = cluster();
    stop = c.stop;
    const d = c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1.27', { replicas: 2 }), 'kubectl');
    c.host.tick(0);
    const [rs] = replicaSets(c.host);
    const hash = (rs!.metadata as Obj).labels as Obj;
    expect(hash['pod-template-hash']).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    const meta = rs!.metadata as Obj;
    expect(meta.name).toBe(`web-${hash['pod-template-hash']}`);
    expect(meta.labels).toEqual({ app: 'web', 'pod-template-hash': hash['pod-template-hash'] });
    expect(meta.annotations).toEqual({ 'deployment.kubernetes.io/desired-replicas': '2', 'deployment.kubernetes.io/max-replicas': '3', 'deployment.kubernetes.io/revision': '1' });
    expect(meta.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: (d.metadata as Obj).uid, controller: true, blockOwnerDeletion: true }]);
    expect((rs!.spec as Obj).selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash['pod-template-hash'] } });
    expect(c.host.writes.find((w) => w.kind === 'ReplicaSet' && w.verb === 'create')?.manager).toBe('kube-controller-manager');
    const live = get(c.host, 'apps', 'Deployment', 'default', 'web');
    expect(((live.metadata as Obj).annotations as Obj)['deployment.kubernetes.io/revision']).toBe('1');
    // Written through the status subresource, so the generation stays 1 as on a real cluster.
    expect((live.metadata as Obj).generation).toBe(1);
    expect(c.host.writes.filter((w) => w.kind === 'Deployment' && w.manager === 'kube-controller-manager').every((w) => w.subresource === 'status')).toBe(true);
  });

  it('reports progress, then becomes ready with exactly the real status fields and conditions', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1.27', { replicas: 2 }), 'kubectl');
    c.host.tick(0);
    let d = get(c.host, 'apps', 'Deployment', 'default', 'web');
    expect(status(d)).toMatchObject({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, unavailableReplicas: 2 });
    expect(status(d).readyReplicas).toBeUndefined();
    const rsName = (replicaSets(c.host)[0]!.metadata as Obj).name as string;
    expect(conditions(d)).toEqual([
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` },
    ]);
    c.host.tick(delay);
    d = get(c.host, 'apps', 'Deployment', 'default', 'web');
    const { conditions: _c, ...fields } = status(d);
    expect(fields).toEqual({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(conditions(d)).toEqual([
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` },
    ]);
    const cond = (status(d).conditions as Obj[])[0]!;
    expect(cond.lastUpdateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(cond.lastTransitionTime).toBeDefined();
    expect(status(replicaSets(c.host)[0]!)).toEqual({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    expect(c.host.writes.filter((w) => w.kind === 'Deployment' && w.subresource === 'status').every((w) => w.manager === 'kube-controller-manager')).toBe(true);
  });

  it('a quiet cluster makes no further writes', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1'), 'kubectl');
    c.host.tick(delay * 3);
    const writes = c.host.writes.length;
    c.host.tick(delay * 20);
    expect(c.host.writes.length).toBe(writes);
  });

  it('scaling updates the ReplicaSet and status; Available drops until the new pods are ready', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1'), 'kubectl');
    c.host.tick(delay * 2);
    const d = get(c.host, 'apps', 'Deployment', 'default', 'web');
    c.host.update(res('apps', 'Deployment'), { ...d, spec: { ...(d.spec as Obj), replicas: 4 } }, 'kubectl');
    c.host.tick(0);
    let now = get(c.host, 'apps', 'Deployment', 'default', 'web');
    expect(status(now)).toMatchObject({ observedGeneration: 2, replicas: 4, updatedReplicas: 4, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 3 });
    expect(conditions(now).find((x) => x.type === 'Progressing')).toMatchObject({ reason: 'NewReplicaSetAvailable' });
    // SetDeploymentCondition moves a changed condition to the end, as on a real cluster.
    expect(conditions(now).map((x) => x.type)).toEqual(['Progressing', 'Available']);
    expect(conditions(now).find((x) => x.type === 'Available')).toMatchObject({ status: 'False' });
    expect(((replicaSets(c.host)[0]!.metadata as Obj).annotations as Obj)['deployment.kubernetes.io/desired-replicas']).toBe('4');
    c.host.tick(delay);
    now = get(c.host, 'apps', 'Deployment', 'default', 'web');
    expect(status(now)).toMatchObject({ replicas: 4, readyReplicas: 4, availableReplicas: 4 });
    expect(conditions(now).find((x) => x.type === 'Available')).toMatchObject({ status: 'True' });
  });

  it('a template change rolls out a second ReplicaSet at revision 2 and scales the old one down', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1'), 'kubectl');
    c.host.tick(delay * 2);
    const d = get(c.host, 'apps', 'Deployment', 'default', 'web');
    const next = structuredClone(d);
    ((((next.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!.image = 'nginx:2';
    c.host.update(res('apps', 'Deployment'), next, 'kubectl');
    c.host.tick(0);
    expect(replicaSets(c.host)).toHaveLength(2);
    c.host.tick(delay * 2);
    const sets = replicaSets(c.host).map((rs) => [((rs.metadata as Obj).annotations as Obj)['deployment.kubernetes.io/revision'], (rs.spec as Obj).replicas]);
    expect(sets.sort()).toEqual([['1', 0], ['2', 1]]);
    const now = get(c.host, 'apps', 'Deployment', 'default', 'web');
    expect(((now.metadata as Obj).annotations as Obj)['deployment.kubernetes.io/revision']).toBe('2');
    expect(status(now)).toMatchObject({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 });
    expect(conditions(now)[1]).toMatchObject({ reason: 'NewReplicaSetAvailable' });
  });

  it('an image tagged "broken" never becomes ready and times out after progressDeadlineSeconds, old replicas staying available', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1', { progressDeadlineSeconds: 30 }), 'kubectl');
    c.host.tick(delay * 2);
    const d = get(c.host, 'apps', 'Deployment', 'default', 'web');
    const next = structuredClone(d);
    ((((next.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!.image = 'nginx:v2-broken';
    c.host.update(res('apps', 'Deployment'), next, 'kubectl');
    c.host.tick(10_000);
    let now = get(c.host, 'apps', 'Deployment', 'default', 'web');
    expect(status(now)).toMatchObject({ replicas: 2, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1 });
    expect(conditions(now).find((x) => x.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated' });
    c.host.tick(21_000);
    now = get(c.host, 'apps', 'Deployment', 'default', 'web');
    const newRS = replicaSets(c.host).find((rs) => ((rs.metadata as Obj).annotations as Obj)['deployment.kubernetes.io/revision'] === '2')!;
    expect(conditions(now)).toEqual([
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${(newRS.metadata as Obj).name}" has timed out progressing.` },
    ]);
    expect(status(now).availableReplicas).toBe(1);
  });

  it('a fresh Deployment with a broken image times out after the default 600 s', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:broken'), 'kubectl');
    c.host.tick(599_000);
    expect(conditions(get(c.host, 'apps', 'Deployment', 'default', 'web')).find((x) => x.type === 'Progressing')?.status).toBe('True');
    c.host.tick(2_000);
    const d = get(c.host, 'apps', 'Deployment', 'default', 'web');
    expect(conditions(d).find((x) => x.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(conditions(d).find((x) => x.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });

  it('keeps at most revisionHistoryLimit old ReplicaSets', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'nginx:1', { revisionHistoryLimit: 1 }), 'kubectl');
    for (const tag of ['2', '3', '4']) {
      c.host.tick(delay * 2);
      const d = get(c.host, 'apps', 'Deployment', 'default', 'web');
      ((((d.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!.image = `nginx:${tag}`;
      c.host.update(res('apps', 'Deployment'), d, 'kubectl');
    }
    c.host.tick(delay * 4);
    const revisions = replicaSets(c.host).map((rs) => ((rs.metadata as Obj).annotations as Obj)['deployment.kubernetes.io/revision']).sort();
    expect(revisions).toEqual(['3', '4']);
  });
});
