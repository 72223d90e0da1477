import { gzipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeInventory, encodeInventory, inventoryName, sameEntries, sameIdentities } from '../../src/inventory/inventory.ts';
import { Keyring } from '../../src/core/keyring.ts';
import { isDriftlessError } from '../../src/core/errors.ts';
import type { Inventory, KubeObject } from '../../src/core/types.ts';
import { TEST_SIGNING_KEY, testKeyring } from '../support/keyring.ts';

const inventory: Inventory = {
  app: 'shop',
  revision: { ref: 'main', sha: 'a'.repeat(40) },
  entries: Array.from({ length: 500 }, (_, i) => ({ ref: { group: 'apps', kind: 'Deployment', namespace: 'prod', name: `web-${i}` }, apiVersion: 'apps/v1', appliedHash: `hash${i}`.padEnd(22, 'x'), uid: `uid-${i}` })),
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isDriftlessError(err) ? err.code : 'not a DriftlessError';
  }
  return undefined;
}

/** The pre-checksum format (v1), as anyone who can write ConfigMaps can produce it. */
function forged(app: string, namespace: string, rows: string[][], annotations: Record<string, string> = {}): KubeObject {
  const body = JSON.stringify({ v: 1, app, entries: rows });
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: inventoryName(app), namespace, labels: { 'driftless.dev/inventory': app }, annotations }, binaryData: { 'inventory.json.gz': Buffer.from(gzipSync(strToU8(body))).toString('base64') } };
}

describe('inventory', () => {
  it('round-trips through a compressed, signed ConfigMap named after the app, uids included', () => {
    const cm = encodeInventory(inventory, 'prod', testKeyring);
    expect(cm.metadata).toMatchObject({ name: inventoryName('shop'), namespace: 'prod', labels: { 'driftless.dev/inventory': 'shop' } });
    expect(cm.metadata.annotations?.['driftless.dev/inventory-mac']).toMatch(/^[\w-]{43}$/);
    expect(JSON.stringify(cm).length).toBeLessThan(25_000);
    const back = decodeInventory(cm, 'shop', 'prod', testKeyring);
    expect(back.revision).toEqual(inventory.revision);
    expect(back.signedWithPreviousKey).toBeUndefined();
    expect(sameEntries(back.entries, inventory.entries)).toBe(true);
    expect(back.entries.find((e) => e.ref.name === 'web-7')).toEqual(inventory.entries[7]);
  });

  it('distrusts an inventory without a checksum, with a forged one, or with another key', () => {
    const unsigned = forged('shop', 'prod', [['', 'ConfigMap', 'prod', 'a', 'v1', 'h']]);
    expect(codeOf(() => decodeInventory(unsigned, 'shop', 'prod', testKeyring))).toBe('INVENTORY_UNTRUSTED');
    expect(() => decodeInventory(unsigned, 'shop', 'prod', testKeyring)).toThrow(/carries no driftless.dev\/inventory-mac checksum.*nothing was pruned/);
    const signed = encodeInventory(inventory, 'prod', testKeyring);
    const fakeMac = { ...unsigned, metadata: { ...unsigned.metadata, annotations: signed.metadata.annotations! } };
    expect(() => decodeInventory(fakeMac, 'shop', 'prod', testKeyring)).toThrow(/no configured signing key matches.*signing\.previousKeys/);
    expect(codeOf(() => decodeInventory(signed, 'shop', 'prod', new Keyring('another-key-that-is-long-enough-0123456789')))).toBe('INVENTORY_UNTRUSTED');
  });

  it('a signed inventory moved to another namespace or app name is not trusted there', () => {
    const signed = encodeInventory(inventory, 'prod', testKeyring);
    const moved = { ...signed, metadata: { ...signed.metadata, namespace: 'other' } };
    expect(codeOf(() => decodeInventory(moved, 'shop', 'other', testKeyring))).toBe('INVENTORY_UNTRUSTED');
    expect(codeOf(() => decodeInventory(signed, 'billing', 'prod', testKeyring))).toBe('INVENTORY_UNTRUSTED');
    expect(codeOf(() => decodeInventory({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'prod' }, data: {} }, 'shop', 'prod', testKeyring))).toBe('INVENTORY_UNTRUSTED');
  });

  it('rotation: a previous key still verifies and marks the inventory for a rewrite', () => {
    const old = new Keyring('the-old-signing-key-0123456789abcdefghij');
    const signedWithOld = encodeInventory(inventory, 'prod', old);
    expect(codeOf(() => decodeInventory(signedWithOld, 'shop', 'prod', testKeyring))).toBe('INVENTORY_UNTRUSTED');
    const rotated = new Keyring(TEST_SIGNING_KEY, ['the-old-signing-key-0123456789abcdefghij']);
    const back = decodeInventory(signedWithOld, 'shop', 'prod', rotated);
    expect(back.signedWithPreviousKey).toBe(true);
    expect(back.entries).toHaveLength(500);
    expect(decodeInventory(encodeInventory(back, 'prod', rotated), 'shop', 'prod', rotated).signedWithPreviousKey).toBeUndefined();
  });

  it('a validly signed entry whose name is no valid path segment makes the inventory untrusted, never a request', () => {
    for (const name of ['..', '.', '%2e%2e', 'a/b']) {
      const bad: Inventory = { app: 'shop', entries: [{ ref: { group: '', kind: 'ConfigMap', namespace: 'prod', name }, apiVersion: 'v1', appliedHash: 'h', uid: 'u' }] };
      expect(codeOf(() => decodeInventory(encodeInventory(bad, 'prod', testKeyring), 'shop', 'prod', testKeyring))).toBe('INVENTORY_UNTRUSTED');
    }
    const badNamespace: Inventory = { app: 'shop', entries: [{ ref: { group: '', kind: 'ConfigMap', namespace: '..', name: 'a' }, apiVersion: 'v1', appliedHash: 'h', uid: 'u' }] };
    expect(() => decodeInventory(encodeInventory(badNamespace, 'prod', testKeyring), 'shop', 'prod', testKeyring)).toThrow(/no valid object identity/);
  });

  it('sameEntries notices a changed hash or a missing object', () => {
    const changed = inventory.entries.map((e, i) => (i === 3 ? { ...e, appliedHash: 'other' } : e));
    expect(sameEntries(inventory.entries, changed)).toBe(false);
    expect(sameEntries(inventory.entries, inventory.entries.slice(1))).toBe(false);
  });

  it('sameIdentities ignores hashes but notices a changed identity set, apiVersion or uid', () => {
    const rehashed = inventory.entries.map((e) => ({ ...e, appliedHash: 'other' }));
    expect(sameIdentities(inventory.entries, [...rehashed].reverse())).toBe(true);
    expect(sameIdentities(inventory.entries, inventory.entries.slice(1))).toBe(false);
    const renamed = inventory.entries.map((e, i) => (i === 0 ? { ...e, ref: { ...e.ref, name: 'other' } } : e));
    expect(sameIdentities(inventory.entries, renamed)).toBe(false);
    const moved = inventory.entries.map((e, i) => (i === 0 ? { ...e, apiVersion: 'apps/v2' } : e));
    expect(sameIdentities(inventory.entries, moved)).toBe(false);
    const recreated = inventory.entries.map((e, i) => (i === 0 ? { ...e, uid: 'new-uid' } : e));
    expect(sameIdentities(inventory.entries, recreated)).toBe(false);
  });
});
