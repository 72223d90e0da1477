import { describe, expect, it } from 'vitest';
import type { KubeObject, Manifest } from '../../src/core/types.ts';
import { prepareDesired, checkAllowed } from '../../src/plan/desired.ts';
import { planChanges } from '../../src/plan/plan.ts';
import { readInventory } from '../../src/inventory/inventory.ts';
import { syncApp } from '../../src/sync/sync.ts';
import { MemoryCluster } from '../support/memory-cluster.ts';
import { appConfig, configMap, deployment, Fake } from '../sync/fixtures.ts';
import { testKeyring } from '../support/keyring.ts';

const manifests = (...objects: KubeObject[]): Manifest[] => objects.map((object, i) => ({ object, origin: { file: `f${i}.yaml` } }));

describe('planChanges', () => {
  it('decides unchanged by the applied-hash annotation with no request, update by dry run with a diff', async () => {
    const fake = new Fake();
    fake.set([deployment('web'), configMap('a')]);
    await syncApp(fake.deps(), appConfig());
    const app = appConfig();
    const desired = await prepareDesired(fake.cluster, app, manifests(deployment('web'), configMap('a', { key: 'other' })), testKeyring);
    fake.cluster.resetCounters();
    const detail = await planChanges({ cluster: fake.cluster, appName: app.name, force: app.force, desired, inventory: await readInventory(fake.cluster, 'shop', 'shop', testKeyring) });
    const byName = Object.fromEntries(detail.items.map((i) => [i.desired.ref.name, i]));
    expect(byName.web).toMatchObject({ action: 'unchanged', checkedBy: 'hash' });
    expect(byName.a).toMatchObject({ action: 'update', checkedBy: 'dry-run' });
    expect(byName.a!.diff).toEqual(['~ data.key: "value" → "other"']);
    expect(fake.cluster.counters.dryRun).toBe(1);
  });

  it('an object without the applied-hash annotation (applied before it existed) is dry-run and updated once', async () => {
    const cluster = new MemoryCluster();
    cluster.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    const app = appConfig({ createNamespace: false });
    const desired = await prepareDesired(cluster, app, manifests(configMap('a')), testKeyring);
    const old = structuredClone(desired[0]!.object);
    delete old.metadata.annotations!['driftless.dev/applied-hash'];
    cluster.seed(old, 'driftless', 'Apply');
    cluster.resetCounters();
    const detail = await planChanges({ cluster, appName: app.name, force: app.force, desired, inventory: undefined });
    expect(detail.items.find((i) => i.desired.ref.name === 'a')).toMatchObject({ action: 'update', checkedBy: 'dry-run' });
    expect(cluster.counters.dryRun).toBe(1);
  });

  it("a create's diff shows the object with Secret values masked, computed only when read", async () => {
    const cluster = new MemoryCluster();
    const app = appConfig();
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: Buffer.from('hunter2').toString('base64') } };
    const desired = await prepareDesired(cluster, app, manifests(secret), testKeyring);
    const detail = await planChanges({ cluster, appName: app.name, force: app.force, desired, inventory: undefined });
    const item = detail.items.find((i) => i.desired.ref.name === 's')!;
    expect(item.action).toBe('create');
    const text = item.diff.join('\n');
    expect(text).toContain('+ data: {"password":"<hidden hmac-sha256:');
    expect(text).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(item.diff).toBe(item.diff);
  });

  it('live drift of a managed field is found even when the hash matches', async () => {
    const fake = new Fake();
    fake.set([configMap('a')]);
    await syncApp(fake.deps(), appConfig());
    fake.cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop' }, data: { key: 'edited' } }, 'kubectl-edit');
    const app = appConfig();
    const desired = await prepareDesired(fake.cluster, app, manifests(configMap('a')), testKeyring);
    const detail = await planChanges({ cluster: fake.cluster, appName: app.name, force: app.force, desired, inventory: await readInventory(fake.cluster, 'shop', 'shop', testKeyring) });
    const a = detail.items.find((i) => i.desired.ref.name === 'a')!;
    expect(a.action).toBe('update');
    expect(a.displacedManagers).toEqual(['kubectl-edit']);
  });

  it('lists each kind once per namespace, and prunes are inventory minus desired', async () => {
    const cluster = new MemoryCluster();
    const app = appConfig({ createNamespace: false });
    const desired = await prepareDesired(cluster, app, manifests(configMap('a'), configMap('b'), deployment('w')), testKeyring);
    const detail = await planChanges({ cluster, appName: app.name, force: app.force, desired, inventory: { app: 'shop', entries: [{ ref: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'old' }, apiVersion: 'v1', appliedHash: 'x' }] } });
    expect(cluster.counters.lists).toBe(2);
    expect(detail.prunes.map((p) => p.ref.name)).toEqual(['old']);
    // namespace shop does not exist and is not created here: the dry runs fail with the server's 404
    expect(detail.failures.map((f) => f.message)).toContain('f0.yaml: namespaces "shop" not found');
  });

  it('checks allow lists: kinds, namespaces, cluster scope (createNamespace may create its own)', async () => {
    const cluster = new MemoryCluster();
    const app = appConfig({ allow: { namespaces: ['shop'], kinds: ['ConfigMap', 'Deployment.apps'], clusterScoped: false } });
    const ok = await prepareDesired(cluster, app, manifests(configMap('a'), deployment('w')), testKeyring);
    expect(() => checkAllowed(app, ok)).not.toThrow();
    const secret = await prepareDesired(cluster, app, manifests({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }), testKeyring);
    expect(() => checkAllowed(app, secret)).toThrow(/f0.yaml: Secret shop\/s: kind Secret is not in the allowed kinds/);
    const anyKind = { ...app, allow: { ...app.allow, kinds: ['*'] } };
    const role = await prepareDesired(cluster, anyKind, manifests({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } }), testKeyring);
    expect(() => checkAllowed(anyKind, role)).toThrow(/cluster-scoped objects are not allowed/);
  });

  it('custom resources whose CRD is in the render are schema-checked instead of dry-run', async () => {
    const cluster = new MemoryCluster();
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer' } } } } } } }] },
    };
    const app = appConfig({ allow: { namespaces: ['shop'], kinds: ['*'], clusterScoped: true } });
    const good = await prepareDesired(cluster, app, manifests(crd, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } }), testKeyring);
    expect(good.find((d) => d.ref.kind === 'Widget')).toMatchObject({ pendingCrd: true, type: { plural: 'widgets', namespaced: true } });
    const detail = await planChanges({ cluster, appName: app.name, force: app.force, desired: good, inventory: undefined });
    expect(detail.failures).toEqual([]);
    expect(detail.items.find((i) => i.desired.ref.kind === 'Widget')?.checkedBy).toBe('schema');
    const bad = await prepareDesired(cluster, app, manifests(crd, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} }), testKeyring);
    const failed = await planChanges({ cluster, appName: app.name, force: app.force, desired: bad, inventory: undefined });
    expect(failed.failures.map((f) => f.message)).toEqual(['f1.yaml: Widget.example.com "w" is invalid: spec.size: Required value']);
  });
});
