import { describe, expect, it } from 'vitest';
import { Keyring } from '../../src/core/keyring.ts';
import { configHash } from '../../src/plan/hash.ts';
import { readInventory } from '../../src/inventory/inventory.ts';
import { syncApp } from '../../src/sync/sync.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { appConfig, configMap, Fake } from './fixtures.ts';
import { TEST_SIGNING_KEY, testKeyring } from '../support/keyring.ts';

const NEW_KEY = 'the-new-signing-key-0123456789abcdefghij';
const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: Buffer.from('hunter2').toString('base64') } };

describe('sync with the signing key', () => {
  it("a Secret's applied hash is keyed: not the plain hash of its configuration, stable for one key", async () => {
    const fake = new Fake();
    fake.set([secret, configMap('a')]);
    expect((await syncApp(fake.deps(), appConfig())).errors).toEqual([]);
    const live = fake.cluster.find('Secret', 'db')!;
    const hash = live.metadata.annotations!['driftless.dev/applied-hash']!;
    const { ['driftless.dev/applied-hash']: _, ...annotations } = live.metadata.annotations!;
    const applied = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop', labels: live.metadata.labels, annotations }, data: live.data };
    expect(hash).toHaveLength(22);
    expect(hash).not.toBe(configHash(applied));
    expect(hash).toBe(testKeyring.mac('applied-hash', canonical(applied)).slice(0, 22));
    const inventory = await readInventory(fake.cluster, 'shop', 'shop', testKeyring);
    expect(inventory!.entries.find((e) => e.ref.kind === 'Secret')!.appliedHash).toBe(hash);
    const again = await syncApp(fake.deps(), appConfig());
    expect(again.objects.every((o) => o.outcome === 'unchanged')).toBe(true);
  });

  it('rotation: the old key under previousKeys keeps prune working, the inventory is rewritten with the new key, Secrets are re-applied once', async () => {
    const fake = new Fake();
    fake.set([secret, configMap('a'), configMap('b')]);
    await syncApp(fake.deps(), appConfig());
    const rotated = new Keyring(NEW_KEY, [TEST_SIGNING_KEY]);
    fake.set([secret, configMap('a')]);
    const result = await syncApp({ ...fake.deps(), keyring: rotated }, appConfig());
    expect(result.errors).toEqual([]);
    expect(result.pruned.map((r) => r.name)).toEqual(['b']);
    expect(result.objects.filter((o) => o.outcome === 'applied').map((o) => o.ref.kind)).toEqual(['Secret']);
    // Signed with the new key alone now.
    expect(await readInventory(fake.cluster, 'shop', 'shop', new Keyring(NEW_KEY))).toBeDefined();
    const again = await syncApp({ ...fake.deps(), keyring: new Keyring(NEW_KEY) }, appConfig());
    expect(again.errors).toEqual([]);
    expect(again.objects.every((o) => o.outcome === 'unchanged')).toBe(true);
  });

  it('an inventory signed with a previous key is rewritten even when nothing else changed', async () => {
    const fake = new Fake();
    fake.set([configMap('a')]);
    await syncApp(fake.deps(), appConfig());
    const result = await syncApp({ ...fake.deps(), keyring: new Keyring(NEW_KEY, [TEST_SIGNING_KEY]) }, appConfig());
    expect(result.errors).toEqual([]);
    expect(result.objects.every((o) => o.outcome === 'unchanged')).toBe(true);
    expect((await readInventory(fake.cluster, 'shop', 'shop', new Keyring(NEW_KEY)))!.entries.map((e) => e.ref.name).sort()).toEqual(['a', 'shop']);
  });

  it('a key change without previousKeys: applies go on, prune stops with INVENTORY_UNTRUSTED and the inventory is left in place', async () => {
    const fake = new Fake();
    fake.set([configMap('a'), configMap('b')]);
    await syncApp(fake.deps(), appConfig());
    fake.set([configMap('a', { key: 'changed' })]);
    const result = await syncApp({ ...fake.deps(), keyring: new Keyring(NEW_KEY) }, appConfig());
    expect(result.status).toBe('Failed');
    expect(result.errors.map((e) => e.code)).toEqual(['INVENTORY_UNTRUSTED']);
    expect(result.errors[0]!.message).toContain('add the old key under signing.previousKeys');
    expect(fake.cluster.find('ConfigMap', 'a')!.data).toEqual({ key: 'changed' });
    expect(fake.cluster.find('ConfigMap', 'b')).toBeDefined();
    expect(await readInventory(fake.cluster, 'shop', 'shop', testKeyring)).toBeDefined();
  });
});

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
