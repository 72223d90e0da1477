import { describe, expect, it } from 'vitest';
import { pruneObjects } from '../../src/apply/prune.ts';
import { syncApp } from '../../src/sync/sync.ts';
import { appConfig, configMap, Fake } from '../sync/fixtures.ts';

describe('pruneObjects', () => {
  it('skips objects opted out, no longer tracked, or of protected kinds; deletes the rest', async () => {
    const fake = new Fake();
    const optOut = configMap('keepme');
    optOut.metadata.annotations = { 'driftless.dev/prune': 'disabled' };
    fake.set([configMap('a'), configMap('b'), optOut, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: {} }]);
    await syncApp(fake.deps(), appConfig());
    // someone else took b over
    fake.cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'shop', annotations: { 'driftless.dev/tracking': 'other:/ConfigMap:shop/b' } } }, 'other');
    const ref = (kind: string, name: string) => ({ ref: { group: '', kind, namespace: 'shop', name }, apiVersion: 'v1', appliedHash: 'h' });
    const results = await pruneObjects({ cluster: fake.cluster, app: appConfig(), candidates: [ref('ConfigMap', 'a'), ref('ConfigMap', 'b'), ref('ConfigMap', 'keepme'), ref('PersistentVolumeClaim', 'data'), ref('ConfigMap', 'gone')] });
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
    const results = await pruneObjects({ cluster, app: appConfig(), candidates: [{ ref: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'a' }, apiVersion: 'v1', appliedHash: 'h' }] });
    expect(results[0]).toMatchObject({ outcome: 'skipped', keep: true });
    expect(results[0]!.message).toContain('changed after driftless checked it');
    expect(fake.cluster.find('ConfigMap', 'a')?.metadata.uid).toBe('someone-elses');
  });

  it('prune: false keeps candidates tracked and deletes nothing', async () => {
    const fake = new Fake();
    fake.set([configMap('a')]);
    await syncApp(fake.deps(), appConfig());
    const results = await pruneObjects({ cluster: fake.cluster, app: appConfig({ prune: false }), candidates: [{ ref: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'a' }, apiVersion: 'v1', appliedHash: 'h' }] });
    expect(results[0]).toMatchObject({ outcome: 'skipped', keep: true });
    expect(fake.cluster.find('ConfigMap', 'a')).toBeDefined();
  });
});
