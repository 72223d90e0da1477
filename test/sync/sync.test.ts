import { describe, expect, it } from 'vitest';
import { DriftlessError } from '../../src/core/errors.ts';
import { diffApp, syncApp } from '../../src/sync/sync.ts';
import { readInventory } from '../../src/inventory/inventory.ts';
import { appConfig, configMap, deployment, Fake } from './fixtures.ts';
import { testKeyring } from '../support/keyring.ts';

describe('syncApp against the in-memory cluster', () => {
  it('creates everything on the first sync, with tracking label and annotation and an inventory', async () => {
    const fake = new Fake();
    fake.set([deployment('web'), configMap('settings')]);
    const result = await syncApp(fake.deps(), appConfig());
    expect(result.status).toBe('Synced');
    expect(result.errors).toEqual([]);
    expect(result.objects.map((o) => `${o.ref.kind}:${o.action}:${o.outcome}`).sort()).toEqual(['ConfigMap:create:applied', 'Deployment:create:applied', 'Namespace:create:applied']);
    const web = fake.cluster.find('Deployment', 'web', 'shop')!;
    expect(web.metadata.labels?.['driftless.dev/app']).toBe('shop');
    expect(web.metadata.annotations?.['driftless.dev/tracking']).toBe('shop:apps/Deployment:shop/web');
    const inventory = await readInventory(fake.cluster, 'shop', 'shop', testKeyring);
    expect(inventory?.entries).toHaveLength(3);
    expect(result.health).toBe('Healthy');
  });

  it('a resync with nothing changed costs lists + 1 GET and writes nothing', async () => {
    const fake = new Fake();
    fake.set([deployment('web'), deployment('api'), configMap('a'), configMap('b')]);
    await syncApp(fake.deps(), appConfig());
    fake.cluster.resetCounters();
    const result = await syncApp(fake.deps(), appConfig());
    expect(result.status).toBe('Synced');
    expect(fake.cluster.counters.writes).toBe(0);
    expect(fake.cluster.counters.dryRun).toBe(0);
    // kinds: Namespace, Deployment, ConfigMap → 3 lists + inventory GET
    expect(fake.cluster.counters.total).toBeLessThanOrEqual(3 + 2);
    expect(result.objects.every((o) => o.outcome === 'unchanged')).toBe(true);
  });

  it('records the last synced revision in the inventory: a new revision costs one inventory write, a failed apply keeps the previous one', async () => {
    const fake = new Fake();
    fake.set([configMap('a'), configMap('b')]);
    await syncApp(fake.deps(), appConfig());
    expect((await readInventory(fake.cluster, 'shop', 'shop', testKeyring))!.revision).toEqual({ ref: 'main', sha: 'a'.repeat(40) });
    // A new commit that changes no object: the inventory alone is written, to record it.
    fake.sha = 'b'.repeat(40);
    fake.cluster.resetCounters();
    await syncApp(fake.deps(), appConfig());
    expect(fake.cluster.counters.writes).toBe(1);
    expect((await readInventory(fake.cluster, 'shop', 'shop', testKeyring))!.revision?.sha).toBe('b'.repeat(40));
    // A commit whose apply fails, with a new object (so the inventory is written): the revision stays.
    fake.sha = 'c'.repeat(40);
    fake.set([configMap('a', { key: 'changed' }), configMap('b'), configMap('new')]);
    fake.cluster.failApply = (object, options) => (object.metadata.name === 'a' && !options.dryRun ? new DriftlessError('APPLY_FAILED', 'refused') : undefined);
    const failed = await syncApp(fake.deps(), appConfig());
    expect(failed.status).toBe('Failed');
    const inventory = await readInventory(fake.cluster, 'shop', 'shop', testKeyring);
    expect(inventory!.entries.map((e) => e.ref.name)).toContain('new');
    expect(inventory!.revision?.sha).toBe('b'.repeat(40));
  });

  it('a change writes exactly the changed object and reports a diff', async () => {
    const fake = new Fake();
    fake.set([deployment('web'), configMap('a'), configMap('b')]);
    await syncApp(fake.deps(), appConfig());
    fake.set([deployment('web'), configMap('a', { key: 'changed' }), configMap('b')]);
    const plan = await diffApp(fake.deps(), appConfig());
    const changed = plan.changes.filter((c) => c.action !== 'unchanged');
    expect(changed.map((c) => c.ref.name)).toEqual(['a']);
    expect(changed[0]!.diff).toContain('~ data.key: "value" → "changed"');
    // The hash annotation changes with every change; the diff shows the change, not the hash.
    expect(changed[0]!.diff).not.toContain('applied-hash');
    const before = await readInventory(fake.cluster, 'shop', 'shop', testKeyring);
    fake.cluster.resetCounters();
    const result = await syncApp(fake.deps(), appConfig());
    // one apply, no inventory write: the object set is the same, the new hash rides on the object
    expect(fake.cluster.counters.writes).toBe(1);
    expect(result.objects.filter((o) => o.outcome === 'applied').map((o) => o.ref.name)).toEqual(['a']);
    expect(fake.cluster.find('ConfigMap', 'a', 'shop')!.metadata.annotations?.['driftless.dev/applied-hash']).toMatch(/^[\w-]{22}$/);
    expect((await readInventory(fake.cluster, 'shop', 'shop', testKeyring))!.entries).toEqual(before!.entries);
    fake.cluster.resetCounters();
    const again = await syncApp(fake.deps(), appConfig());
    expect(fake.cluster.counters.writes).toBe(0);
    expect(fake.cluster.counters.dryRun).toBe(0);
    expect(again.objects.every((o) => o.outcome === 'unchanged')).toBe(true);
  });

  it('a field dropped from Git is no subset change but the hash differs: dry run, then update', async () => {
    const fake = new Fake();
    fake.set([configMap('a', { key: 'value', extra: 'x' })]);
    await syncApp(fake.deps(), appConfig());
    fake.set([configMap('a', { key: 'value' })]);
    fake.cluster.resetCounters();
    const result = await syncApp(fake.deps(), appConfig());
    expect(result.objects.find((o) => o.ref.name === 'a')).toMatchObject({ action: 'update', outcome: 'applied' });
    expect(fake.cluster.counters.writes).toBe(1);
    expect(fake.cluster.find('ConfigMap', 'a', 'shop')!.data).toEqual({ key: 'value' });
  });

  it('prunes what Git dropped, and only that', async () => {
    const fake = new Fake();
    fake.set([configMap('a'), configMap('b')]);
    await syncApp(fake.deps(), appConfig());
    fake.cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'foreign', namespace: 'shop' }, data: {} });
    fake.set([configMap('a')]);
    const result = await syncApp(fake.deps(), appConfig());
    expect(result.pruned.map((r) => r.name)).toEqual(['b']);
    expect(fake.cluster.find('ConfigMap', 'b')).toBeUndefined();
    expect(fake.cluster.find('ConfigMap', 'foreign')).toBeDefined();
    expect((await readInventory(fake.cluster, 'shop', 'shop', testKeyring))!.entries.map((e) => e.ref.name).sort()).toEqual(['a', 'shop']);
  });

  it('does not prune when an apply fails', async () => {
    const fake = new Fake();
    fake.set([configMap('a'), configMap('b')]);
    await syncApp(fake.deps(), appConfig());
    fake.set([configMap('a', { key: 'new' })]);
    fake.cluster.failApply = (obj, opts) => (obj.metadata.name === 'a' && !opts.dryRun ? new DriftlessError('APPLY_FAILED', 'admission webhook denied the request', { status: 400 }) : undefined);
    const result = await syncApp(fake.deps(), appConfig());
    expect(result.status).toBe('Failed');
    expect(result.errors[0]!.message).toContain('app/configmap-a.yaml:1: admission webhook denied the request');
    expect(result.pruned).toEqual([]);
    expect(fake.cluster.find('ConfigMap', 'b')).toBeDefined();
    expect((await readInventory(fake.cluster, 'shop', 'shop', testKeyring))!.entries.map((e) => e.ref.name)).toContain('b');
  });

  it('a preflight failure names the file and writes nothing', async () => {
    const fake = new Fake();
    const bad = deployment('web');
    delete (bad.spec as Record<string, unknown>).selector;
    fake.set([configMap('a'), bad]);
    fake.cluster.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, 'kube-apiserver');
    fake.cluster.resetCounters();
    const result = await syncApp(fake.deps(), appConfig({ createNamespace: false }));
    expect(result.status).toBe('Failed');
    expect(result.errors[0]).toMatchObject({ code: 'PREFLIGHT_FAILED', file: 'app/deployment-web.yaml' });
    expect(result.errors[0]!.message).toBe('app/deployment-web.yaml:1: Deployment.apps "web" is invalid: spec.selector: Required value');
    expect(fake.cluster.counters.writes).toBe(0);
  });

  it('a disallowed namespace fails the whole sync naming the object, nothing applied', async () => {
    const fake = new Fake();
    const other = configMap('x');
    other.metadata.namespace = 'kube-system';
    fake.set([configMap('a'), other]);
    const result = await syncApp(fake.deps(), appConfig());
    expect(result.errors[0]!.code).toBe('NOT_ALLOWED');
    expect(result.errors[0]!.message).toContain('ConfigMap kube-system/x');
    expect(fake.cluster.counters.writes).toBe(0);
  });

  it("an object tracked by another app fails naming both apps", async () => {
    const fake = new Fake();
    fake.set([configMap('shared')]);
    await syncApp(fake.deps(), appConfig({ name: 'billing', allow: { namespaces: ['shop'], kinds: ['*'], clusterScoped: false } }));
    const result = await syncApp(fake.deps(), appConfig());
    expect(result.errors[0]!.code).toBe('OWNERSHIP_CONFLICT');
    expect(result.errors[0]!.message).toMatch(/app "billing".*app "shop"/);
  });

  it('an empty render does not prune unless allowEmpty', async () => {
    const fake = new Fake();
    fake.set([configMap('a')]);
    await syncApp(fake.deps(), appConfig());
    fake.set([]);
    const refused = await syncApp(fake.deps(), appConfig());
    expect(refused.errors[0]!.code).toBe('EMPTY_RENDER');
    expect(fake.cluster.find('ConfigMap', 'a')).toBeDefined();
    const allowed = await syncApp(fake.deps(), appConfig({ allowEmpty: true }));
    expect(allowed.pruned.map((r) => r.name)).toEqual(['a']);
  });

  it('dry run plans without writing', async () => {
    const fake = new Fake();
    fake.set([configMap('a')]);
    const result = await syncApp(fake.deps(), appConfig(), { dryRun: true });
    expect(result.status).toBe('DryRun');
    expect(result.objects.map((o) => o.outcome)).toEqual(['dry-run', 'dry-run']);
    expect(fake.cluster.counters.writes).toBe(0);
  });

  it('unknown kinds fail naming kind and file', async () => {
    const fake = new Fake();
    fake.set([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    const result = await syncApp(fake.deps(), appConfig());
    expect(result.errors[0]!.code).toBe('UNKNOWN_KIND');
    expect(result.errors[0]!.message).toContain('app/widget-w.yaml:1: unknown kind Widget in example.com/v1');
  });
});

describe('ignore rules in a sync', () => {
  it('fields another controller owns are neither applied nor compared', async () => {
    const fake = new Fake();
    fake.set([deployment('web', { replicas: 2 })]);
    const app = appConfig({ ignore: [{ kind: 'Deployment', group: 'apps', name: 'web', jsonPointers: ['/spec/replicas'] }] });
    await syncApp(fake.deps(), app);
    // an autoscaler scales it
    fake.cluster.seed({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 7 } }, 'horizontal-pod-autoscaler');
    fake.set([deployment('web', { replicas: 3 })]);
    fake.cluster.resetCounters();
    const result = await syncApp(fake.deps(), app);
    expect(result.objects.find((o) => o.ref.kind === 'Deployment')?.outcome).toBe('unchanged');
    expect(fake.cluster.counters.writes).toBe(0);
    expect((fake.cluster.find('Deployment', 'web')!.spec as { replicas: number }).replicas).toBe(7);
  });
});
