import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { call } from '../sandbox/server/helpers.ts';

const errorCode = async (p: Promise<unknown>): Promise<number | undefined> => {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
};

describe('@kubernetes/client-node 1.3 against the sandbox', () => {
  let sb: Sandbox;
  let kc: KubeConfig;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-client-node-'));
    sb = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig') });
    kc = new KubeConfig();
    kc.loadFromFile(join(dir, 'kubeconfig'));
  });
  afterAll(() => sb.stop());

  it('loads the kubeconfig, trusts the CA and reads with typed clients', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const list = await core.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'typed' }, data: { a: '1' } } });
    expect(created.metadata?.resourceVersion).toBeTruthy();
    expect((await core.readNamespacedConfigMap({ name: 'typed', namespace: 'default' })).data).toEqual({ a: '1' });
    expect(await errorCode(core.readNamespacedConfigMap({ name: 'missing', namespace: 'default' }))).toBe(404);
  });

  it('server-side applies through KubernetesObjectApi, with conflicts as 409 and force', async () => {
    const client = KubernetesObjectApi.makeApiClient(kc);
    const deployment = (replicas: number): KubernetesObject & Record<string, unknown> => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'default' },
      spec: { replicas, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'nginx' }] } } },
    });
    const applied = await client.patch(deployment(1), undefined, undefined, 'driftless', true, PatchStrategy.ServerSideApply);
    expect(applied.metadata?.managedFields?.[0]).toMatchObject({ manager: 'driftless', operation: 'Apply' });
    expect(await errorCode(client.patch(deployment(3), undefined, undefined, 'other', false, PatchStrategy.ServerSideApply))).toBe(409);
    const forced = await client.patch(deployment(3), undefined, undefined, 'other', true, PatchStrategy.ServerSideApply);
    expect((forced as unknown as { spec: { replicas: number } }).spec.replicas).toBe(3);
    const dry = await client.patch(deployment(5), undefined, 'All', 'driftless', true, PatchStrategy.ServerSideApply);
    expect((dry as unknown as { spec: { replicas: number } }).spec.replicas).toBe(5);
    const live = await client.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'default' } });
    expect((live as unknown as { spec: { replicas: number } }).spec.replicas).toBe(3);
  });

  it('lists generically with label selectors and pages with limit/continue', async () => {
    const client = KubernetesObjectApi.makeApiClient(kc);
    const core = kc.makeApiClient(CoreV1Api);
    for (const n of ['l1', 'l2', 'l3']) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: n, labels: { set: 'l' } } } });
    const page = await client.list<V1ConfigMap>('v1', 'ConfigMap', 'default', undefined, undefined, undefined, undefined, 'set=l', 2);
    expect(page.items.map((i) => i.metadata?.name)).toEqual(['l1', 'l2']);
    const rest = await client.list<V1ConfigMap>('v1', 'ConfigMap', 'default', undefined, undefined, undefined, undefined, 'set=l', 2, page.metadata?._continue);
    expect(rest.items.map((i) => i.metadata?.name)).toEqual(['l3']);
  });

  it('watches: existing objects first, then changes', async () => {
    const seen: string[] = [];
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((resolve) => { resolveDone = resolve; });
    const controller = await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', { labelSelector: 'set=l' }, (phase, obj: V1ConfigMap) => {
      seen.push(`${phase} ${obj.metadata?.name}`);
      if (seen.length === 4) resolveDone();
    }, () => {});
    const core = kc.makeApiClient(CoreV1Api);
    await core.deleteNamespacedConfigMap({ name: 'l2', namespace: 'default' });
    await done;
    controller.abort();
    expect(seen).toEqual(['ADDED l1', 'ADDED l2', 'ADDED l3', 'DELETED l2']);
  });

  it('reads and scales through the scale subresource; the controller makes the Deployment available', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.patchNamespacedDeploymentScale({ name: 'api', namespace: 'default', body: { spec: { replicas: 2 } } });
    const scale = await apps.readNamespacedDeploymentScale({ name: 'api', namespace: 'default' });
    expect(scale.spec?.replicas).toBe(2);
    let available = false;
    for (let i = 0; i < 100 && !available; i++) {
      const d = await apps.readNamespacedDeployment({ name: 'api', namespace: 'default' });
      available = d.status?.availableReplicas === 2 && d.status.observedGeneration === d.metadata?.generation;
      if (!available) await new Promise((r) => setTimeout(r, 100));
    }
    expect(available).toBe(true);
  });

  it('/_sandbox/requests counts a KubernetesObjectApi list as one list, and a dry-run apply as one dry run and no write', async () => {
    const counts = async (): Promise<{ byVerb: Record<string, number>; writes: number; dryRun: number }> => (await call(sb, 'GET', '/_sandbox/requests', { token: null })).json;
    const client = KubernetesObjectApi.makeApiClient(kc);
    // Warm the client's resource discovery so that only the calls under test are left to count.
    await client.list('v1', 'ConfigMap', 'default');
    await call(sb, 'POST', '/_sandbox/requests/reset', { token: null });
    await client.list('v1', 'ConfigMap', 'default');
    const afterList = await counts();
    expect(afterList.byVerb.list).toBe(1);
    expect(afterList.writes).toBe(0);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counted', namespace: 'default' }, data: { a: '1' } };
    await client.patch(cm, undefined, 'All', 'driftless', true, PatchStrategy.ServerSideApply);
    const afterPatch = await counts();
    expect(afterPatch.byVerb.patch).toBe(1);
    expect(afterPatch.byVerb.list).toBe(1);
    expect(afterPatch.dryRun).toBe(1);
    expect(afterPatch.writes).toBe(0);
    expect(await errorCode(client.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counted', namespace: 'default' } }))).toBe(404);
  });

  it('the viewer user gets 403 on writes', async () => {
    const viewer = new KubeConfig();
    viewer.loadFromString(sb.kubeconfig);
    viewer.setCurrentContext('sandbox-viewer');
    const core = viewer.makeApiClient(CoreV1Api);
    expect((await core.listNamespacedConfigMap({ namespace: 'default' })).items.length).toBeGreaterThan(0);
    expect(await errorCode(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'nope' } } }))).toBe(403);
  });
});
