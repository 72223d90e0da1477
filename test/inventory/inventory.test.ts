import { describe, expect, it } from 'vitest';
import { decodeInventory, encodeInventory, inventoryName, sameEntries, sameIdentities } from '../../src/inventory/inventory.ts';
import type { Inventory } from '../../src/core/types.ts';

const inventory: Inventory = {
  app: 'shop',
  revision: { ref: 'main', sha: 'a'.repeat(40) },
  entries: Array.from({ length: 500 }, (_, i) => ({ ref: { group: 'apps', kind: 'Deployment', namespace: 'prod', name: `web-${i}` }, apiVersion: 'apps/v1', appliedHash: `hash${i}`.padEnd(22, 'x') })),
};

describe('inventory', () => {
  it('round-trips through a compressed ConfigMap named after the app', () => {
    const cm = encodeInventory(inventory, 'prod');
    expect(cm.metadata).toMatchObject({ name: inventoryName('shop'), namespace: 'prod', labels: { 'driftless.dev/inventory': 'shop' } });
    expect(JSON.stringify(cm).length).toBeLessThan(20_000);
    const back = decodeInventory(cm, 'shop');
    expect(back.revision).toEqual(inventory.revision);
    expect(sameEntries(back.entries, inventory.entries)).toBe(true);
    expect(back.entries.find((e) => e.ref.name === 'web-7')).toEqual(inventory.entries[7]);
  });

  it("refuses another app's inventory and a ConfigMap that is not one", () => {
    expect(() => decodeInventory(encodeInventory(inventory, 'prod'), 'billing')).toThrow(/belongs to app "shop", not "billing"/);
    expect(() => decodeInventory({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'prod' }, data: {} }, 'shop')).toThrow(/not a driftless inventory/);
  });

  it('sameEntries notices a changed hash or a missing object', () => {
    const changed = inventory.entries.map((e, i) => (i === 3 ? { ...e, appliedHash: 'other' } : e));
    expect(sameEntries(inventory.entries, changed)).toBe(false);
    expect(sameEntries(inventory.entries, inventory.entries.slice(1))).toBe(false);
  });

  it('sameIdentities ignores hashes but notices a changed identity set or apiVersion', () => {
    const rehashed = inventory.entries.map((e) => ({ ...e, appliedHash: 'other' }));
    expect(sameIdentities(inventory.entries, [...rehashed].reverse())).toBe(true);
    expect(sameIdentities(inventory.entries, inventory.entries.slice(1))).toBe(false);
    const renamed = inventory.entries.map((e, i) => (i === 0 ? { ...e, ref: { ...e.ref, name: 'other' } } : e));
    expect(sameIdentities(inventory.entries, renamed)).toBe(false);
    const moved = inventory.entries.map((e, i) => (i === 0 ? { ...e, apiVersion: 'apps/v2' } : e));
    expect(sameIdentities(inventory.entries, moved)).toBe(false);
  });
});
