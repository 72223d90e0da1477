import { describe, expect, it } from 'vitest';
import { comparable, deepEqual, diffLines, isSubset } from '../../src/plan/compare.ts';

describe('isSubset', () => {
  it('accepts server defaults around the desired fields', () => {
    expect(isSubset({ spec: { replicas: 2 } }, { spec: { replicas: 2, strategy: { type: 'RollingUpdate' } }, status: {} })).toBe(true);
  });
  it('rejects a changed value, a missing field and a list of another length', () => {
    expect(isSubset({ a: 1 }, { a: 2 })).toBe(false);
    expect(isSubset({ a: { b: 1 } }, { a: {} })).toBe(false);
    expect(isSubset({ l: [{ name: 'x' }] }, { l: [{ name: 'x' }, { name: 'y' }] })).toBe(false);
  });
  it('compares lists positionally, each element as a subset', () => {
    expect(isSubset({ c: [{ name: 'a' }, { name: 'b' }] }, { c: [{ name: 'a', x: 1 }, { name: 'b', y: 2 }] })).toBe(true);
    expect(isSubset({ c: [{ name: 'a' }, { name: 'b' }] }, { c: [{ name: 'b' }, { name: 'a' }] })).toBe(false);
  });
  it('accepts a number the server stored as the same digits in a string (quantities)', () => {
    expect(isSubset({ cpu: 1 }, { cpu: '1' })).toBe(true);
    expect(isSubset({ cpu: 0.5 }, { cpu: '500m' })).toBe(false);
  });
  it('treats null and empty as absent', () => {
    expect(isSubset({ a: null }, {})).toBe(true);
    expect(isSubset({ a: null }, { a: {} })).toBe(true);
    expect(isSubset({ a: null }, { a: 1 })).toBe(false);
  });
});

describe('diffLines', () => {
  it('shows changed, added and removed paths, matching named list items by name', () => {
    const before = { spec: { replicas: 1, containers: [{ name: 'web', image: 'a' }, { name: 'side', image: 's' }] }, gone: true };
    const after = { spec: { replicas: 3, containers: [{ name: 'side', image: 's' }, { name: 'web', image: 'b' }] }, added: 'x' };
    expect(diffLines(before, after)).toEqual(['+ added: "x"', '- gone: true', '~ spec.containers[name=web].image: "a" → "b"', '~ spec.replicas: 1 → 3']);
  });
  it('is empty for equal objects', () => {
    expect(diffLines({ a: [1, 2] }, { a: [1, 2] })).toEqual([]);
  });
});

describe('comparable', () => {
  it('drops status and write-volatile metadata', () => {
    const obj = comparable({ apiVersion: 'v1', kind: 'X', metadata: { name: 'n', resourceVersion: '3', generation: 2, managedFields: [] }, status: { a: 1 } });
    expect(obj).toEqual({ apiVersion: 'v1', kind: 'X', metadata: { name: 'n' } });
    expect(deepEqual({ a: undefined, b: 1 }, { b: 1 })).toBe(true);
  });
});
