import { describe, expect, it } from 'vitest';
import { cloneJson } from '../../sandbox/json.ts';
import { deepEqual } from '../../sandbox/lifecycle/util.ts';
import { jsonEqual, jsonEqualExcept, rfc3339 } from '../../sandbox/server/util.ts';

describe('sandbox JSON helpers', () => {
  it('cloneJson copies deeply, keeps undefined members, and shares nothing with the input', () => {
    const input = { a: [1, { b: 'x' }], c: { d: null, e: undefined }, f: true };
    const copy = cloneJson(input);
    expect(copy).toStrictEqual(input);
    expect('e' in copy.c).toBe(true);
    (copy.a[1] as { b: string }).b = 'changed';
    copy.c.d = 'set' as unknown as null;
    expect(input).toStrictEqual({ a: [1, { b: 'x' }], c: { d: null, e: undefined }, f: true });
  });

  it('cloneJson keeps a parsed "__proto__" key as data, not as the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
    const copy = cloneJson(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'x']);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('cloneJson copies non-plain objects through structuredClone', () => {
    const date = new Date(0);
    const copy = cloneJson({ when: date });
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when).not.toBe(date);
    expect(copy.when.getTime()).toBe(0);
  });

  it('jsonEqual treats a missing key as undefined and honours skip paths', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual([1, { x: [2] }], [1, { x: [2] }])).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    const skip = (p: string): boolean => p === '.m.rv' || p === '.list[].t';
    expect(jsonEqual({ m: { rv: '1' }, list: [{ t: 1, v: 1 }] }, { m: { rv: '2' }, list: [{ t: 2, v: 1 }] }, skip)).toBe(true);
    expect(jsonEqual({ m: {} }, { m: { rv: '2' } }, skip)).toBe(true);
    expect(jsonEqual({ m: { rv: '1' }, list: [{ t: 1, v: 1 }] }, { m: { rv: '1' }, list: [{ t: 1, v: 2 }] }, skip)).toBe(false);
  });

  it('jsonEqualExcept compares all other own keys', () => {
    expect(jsonEqualExcept({ a: 1, meta: 1 }, { a: 1, meta: 2 }, (k) => k === 'meta')).toBe(true);
    expect(jsonEqualExcept({ a: 1 }, { a: 1, b: 2 }, (k) => k === 'meta')).toBe(false);
    expect(jsonEqualExcept({ a: 1, b: undefined }, { a: 1 }, () => false)).toBe(true);
  });

  it("the controllers' deepEqual agrees with canonical JSON: key order, undefined members, null and undefined", () => {
    expect(deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual({ a: null }, {})).toBe(false);
    expect(deepEqual([undefined], [null])).toBe(true);
    expect(deepEqual(undefined, null)).toBe(true);
    expect(deepEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(deepEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(deepEqual({}, [])).toBe(false);
  });

  it('rfc3339 renders whole seconds and follows the clock across seconds', () => {
    expect(rfc3339(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05Z');
    expect(rfc3339(new Date('2026-01-02T03:04:05.999Z'))).toBe('2026-01-02T03:04:05Z');
    expect(rfc3339(new Date('2026-01-02T03:04:06.001Z'))).toBe('2026-01-02T03:04:06Z');
    expect(rfc3339(new Date('2020-01-01T00:00:00.000Z'))).toBe('2020-01-01T00:00:00Z');
  });
});
