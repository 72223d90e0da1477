import { describe, expect, it } from 'vitest';
import { pruneObjects, type PruneOptions } from '../../src/apply/prune.ts';
import { syncApp } from '../../src/sync/sync.ts';
import { appConfig, configMap, Fake } from '../sync/fixtures.ts';

function pruneOptions(): Omit<PruneOptions, 'cluster' | 'candidates'> {
  const app = appConfig();
  return { app: app.name, prune: true, pruneProtected: app.pruneProtected };
}

describe('pruneObjects', () => {
  it('skips objects opted out, no longer tracked, or of protected kinds; deletes the rest', async () => {
    const fake = new Fake();
    const optOut = configMap('keepme');
    optOut.metadata.annotations = { 'driftless.dev/prune': 'disabled' };
    fake.set([configMap('a'), configMap('b'), optOut, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: {} }]);
    await syncApp(fake.deps(), appConfig());
    // someone else took b over
    fake.cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'shop', annotations: { 'driftless.dev/tracking': 'other:/ConfigMap:shop/b' } } }, 'other');
    const ref = (kind: string, name: string) => ({ ref: { group: '', kind, namespace: 'shop', name }, apiVersion: 'v1', appliedHash: 'h', uid: fake.cluster.find(kind, name)?.metadata.uid ?? 'none' });
    const results = await pruneObjects({ ...pruneOptions(), cluster: fake.cluster, candidates: [ref('ConfigMap', 'a'), ref('ConfigMap', 'b'), ref('ConfigMap', 'keepme'), ref('PersistentVolumeClaim', 'data'), ref('ConfigMap', 'gone')] });
    const byName = Object.fromEntries(results.map((r) => [r.entry.ref.name, r]));
    expect(byName.a!.outcome).toBe('pruned');
    expect(byName.b).toMatchObject({ outcome: 'skipped', message: 'not deleted: it is tracked by app "other"' });
    expect(byName.keepme!.message).toContain('driftless.dev/prune: disabled');
    expect(byName.data!.message).toContain('pruneProtected.persistentVolumeClaims');
    expect(byName.gone!.message).toBe('already gone');
    expect(fake.cluster.find('ConfigMap', 'a')).toBeUndefined();
    expect(fake.cluster.find('ConfigMap', 'b')).toBeDefined();
    expect(fake.cluster.find('PersistentVolumeClaim', 'data')).toBeDefined();
  });

  it('never deletes an object replaced after it was checked (delete preconditions: uid and resourceVersion)', async () => {
    const fake = new Fake();
    fake.set([configMap('a')]);
    await syncApp(fake.deps(), appConfig());
    const cluster = fake.cluster;
    const get = cluster.get.bind(cluster);
    // Between prune's check and its delete, someone deletes the object and creates another of the same name.
    cluster.get = async (...args) => {
      const live = await get(...args);
      cluster.store.clear();
      cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop', uid: 'someone-elses', annotations: { 'driftless.dev/tracking': 'web:/ConfigMap:shop/a' } } }, 'kubectl');
      return live;
    };
    const uid = cluster.find('ConfigMap', 'a')!.metadata.uid!;
    const results = await pruneObjects({ ...pruneOptions(), cluster, candidates: [{ ref: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'a' }, apiVersion: 'v1', appliedHash: 'h', uid }] });
    expect(results[0]).toMatchObject({ outcome: 'skipped', keep: true });
    expect(results[0]!.message).toContain('changed after driftless checked it');
    expect(fake.cluster.find('ConfigMap', 'a')?.metadata.uid).toBe('someone-elses');
  });

  it('prune: false keeps candidates tracked and deletes nothing', async () => {
    const fake = new Fake();
    fake.set([configMap('a')]);
    await syncApp(fake.deps(), appConfig());
    const results = await pruneObjects({ ...pruneOptions(), prune: false, cluster: fake.cluster, candidates: [{ ref: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'a' }, apiVersion: 'v1', appliedHash: 'h', uid: 'u' }] });
    expect(results[0]).toMatchObject({ outcome: 'skipped', keep: true });
    expect(fake.cluster.find('ConfigMap', 'a')).toBeDefined();
  });

  it('never deletes an object recreated by someone else under the same name (uid differs), even carrying the tracking annotation', async () => {
    const fake = new Fake();
    fake.set([configMap('a')]);
    await syncApp(fake.deps(), appConfig());
    const recorded = fake.cluster.find('ConfigMap', 'a')!.metadata.uid!;
    fake.cluster.store.clear();
    fake.cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop', uid: 'someone-elses', annotations: { 'driftless.dev/tracking': 'shop:/ConfigMap:shop/a' }, labels: { 'driftless.dev/app': 'shop' } } }, 'kubectl');
    const results = await pruneObjects({ ...pruneOptions(), cluster: fake.cluster, candidates: [{ ref: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'a' }, apiVersion: 'v1', appliedHash: 'h', uid: recorded }] });
    expect(results[0]).toMatchObject({ outcome: 'skipped', keep: false });
    expect(results[0]!.message).toContain(`it is not the object driftless applied (uid someone-elses, recorded ${recorded})`);
    expect(fake.cluster.find('ConfigMap', 'a')?.metadata.uid).toBe('someone-elses');
  });

  it('never deletes an entry without a recorded uid', async () => {
    const fake = new Fake();
    fake.set([configMap('a')]);
    await syncApp(fake.deps(), appConfig());
    const results = await pruneObjects({ ...pruneOptions(), cluster: fake.cluster, candidates: [{ ref: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'a' }, apiVersion: 'v1', appliedHash: 'h' }] });
    expect(results[0]!.message).toContain('recorded no uid');
    expect(fake.cluster.find('ConfigMap', 'a')).toBeDefined();
  });
});
