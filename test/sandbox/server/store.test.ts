import { describe, expect, it } from 'vitest';
import type { Obj, ResourceInfo } from '../../../sandbox/contracts.ts';
import { Store } from '../../../sandbox/server/store.ts';

const rs = { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true } as ResourceInfo;
const obj = (ns: string, name: string, owners: string[] = []): Obj => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { namespace: ns, name, ...(owners.length ? { ownerReferences: owners.map((uid) => ({ uid, kind: 'Deployment', name: uid })) } : {}) },
});
const names = (list: Obj[]): string[] => list.map((o) => (o.metadata as { name: string }).name);

describe('sandbox store indexes', () => {
  it('lists a namespace in insertion order, following updates and removals', () => {
    const store = new Store();
    const a1 = store.put(rs, obj('a', 'one'), undefined);
    store.put(rs, obj('b', 'two'), undefined);
    store.put(rs, obj('a', 'three'), undefined);
    store.put(rs, { ...obj('a', 'one'), spec: { replicas: 2 } }, a1);
    expect(names(store.list(rs, 'a'))).toEqual(['one', 'three']);
    expect((store.list(rs, 'a')[0]!.spec as { replicas: number }).replicas).toBe(2);
    expect(names(store.list(rs))).toEqual(['one', 'two', 'three']);
    store.remove(rs, store.get(rs, 'a', 'one')!);
    expect(names(store.list(rs, 'a'))).toEqual(['three']);
    expect(store.list(rs, 'missing')).toEqual([]);
  });

  it('finds objects by owner uid as ownerReferences change, and forgets removed ones', () => {
    const store = new Store();
    const x = store.put(rs, obj('a', 'x', ['u1']), undefined);
    store.put(rs, obj('a', 'y', ['u1', 'u2']), undefined);
    store.put(rs, obj('b', 'z', ['u1']), undefined);
    expect(names(store.listOwned(rs, 'a', 'u1'))).toEqual(['x', 'y']);
    expect(names(store.listOwned(rs, undefined, 'u1'))).toEqual(['x', 'y', 'z']);
    expect(names(store.listOwned(rs, 'a', 'u2'))).toEqual(['y']);
    // Re-owned: x moves from u1 to u2; an update that keeps the owner keeps the stored version current.
    store.put(rs, obj('a', 'x', ['u2']), x);
    expect(names(store.listOwned(rs, 'a', 'u1'))).toEqual(['y']);
    expect(names(store.listOwned(rs, 'a', 'u2'))).toEqual(['y', 'x']);
    const y = store.get(rs, 'a', 'y')!;
    store.put(rs, { ...y, spec: { replicas: 3 } }, y);
    expect(store.listOwned(rs, 'a', 'u1')[0]!.spec).toEqual({ replicas: 3 });
    store.remove(rs, store.get(rs, 'a', 'y')!);
    expect(store.listOwned(rs, 'a', 'u1')).toEqual([]);
    expect(names(store.listOwned(rs, 'a', 'u2'))).toEqual(['x']);
  });
});
