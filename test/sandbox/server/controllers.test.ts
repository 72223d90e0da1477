import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call, cm, deployment } from './helpers.ts';

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sandbox with its lifecycle controllers (ControllerHost integration)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({});
  });
  afterAll(() => sb.stop());

  it('has the objects of a fresh cluster: namespaces with their name label, kube-root-ca.crt, ServiceAccount default, Service kubernetes', async () => {
    const namespaces = (await call(sb, 'GET', '/api/v1/namespaces')).json.items;
    expect(namespaces.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    expect(namespaces[0].metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'default' });
    await until(async () => (await call(sb, 'GET', '/api/v1/namespaces/kube-system/configmaps/kube-root-ca.crt')).status === 200);
    await until(async () => (await call(sb, 'GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200);
    expect((await call(sb, 'GET', '/api/v1/namespaces/default/services/kubernetes')).json.spec.clusterIP).toBeTruthy();
  });

  it('controller writes are not counted as client requests but do emit resourceVersions', async () => {
    await call(sb, 'POST', '/_sandbox/requests/reset', { token: null });
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'counted' } } });
    await until(async () => (await call(sb, 'GET', '/api/v1/namespaces/counted/serviceaccounts/default')).status === 200);
    const counts = (await call(sb, 'GET', '/_sandbox/requests', { token: null })).json;
    expect(counts.writes).toBe(1);
  });

  it('deleting a namespace removes its contents, then the namespace', async () => {
    await call(sb, 'POST', '/api/v1/namespaces/counted/configmaps', { body: cm('inside') });
    const del = await call(sb, 'DELETE', '/api/v1/namespaces/counted');
    expect(del.json.status.phase).toBe('Terminating');
    await until(async () => (await call(sb, 'GET', '/api/v1/namespaces/counted')).status === 404, 15_000);
    expect((await call(sb, 'GET', '/api/v1/namespaces/counted/configmaps')).json.items).toEqual([]);
  });

  it('a Deployment becomes available with its ReplicaSet; foreground deletion removes the ReplicaSet first', async () => {
    await call(sb, 'POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('ctl', 2) });
    const d = await until(async () => {
      const live = (await call(sb, 'GET', '/apis/apps/v1/namespaces/default/deployments/ctl')).json;
      return live.status?.availableReplicas === 2 ? live : undefined;
    });
    expect(d.status.conditions.map((c: { type: string; reason: string }) => `${c.type}/${c.reason}`).sort()).toEqual(['Available/MinimumReplicasAvailable', 'Progressing/NewReplicaSetAvailable']);
    const rs = (await call(sb, 'GET', '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dctl')).json.items;
    expect(rs).toHaveLength(1);
    expect(rs[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'ctl', controller: true });
    await call(sb, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/ctl', { body: { propagationPolicy: 'Foreground' } });
    await until(async () => (await call(sb, 'GET', '/apis/apps/v1/namespaces/default/deployments/ctl')).status === 404);
    expect((await call(sb, 'GET', '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dctl')).json.items).toEqual([]);
  });
});
