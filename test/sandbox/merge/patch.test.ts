import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../sandbox/contracts.ts';
import { jsonPatch, mergePatch } from '../../../sandbox/merge/index.ts';

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { app: 'a' } }, data: { a: '1' }, list: [1, 2] };

describe('jsonPatch (RFC 6902, evanphx/json-patch messages)', () => {
  it('applies add, replace, remove, move, copy and test without touching the input', () => {
    const out = jsonPatch(cm, [
      { op: 'test', path: '/data/a', value: '1' },
      { op: 'add', path: '/data/b', value: '2' },
      { op: 'replace', path: '/data/a', value: 'one' },
      { op: 'remove', path: '/metadata/labels/app' },
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'add', path: '/list/0', value: 0 },
      { op: 'copy', from: '/data/b', path: '/data/c' },
      { op: 'move', from: '/data/c', path: '/data/d' },
      { op: 'add', path: '/metadata/annotations', value: { 'x/y': 'z' } },
      { op: 'replace', path: '/metadata/annotations/x~1y', value: 'w' },
    ]);
    expect(out).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: {}, annotations: { 'x/y': 'w' } }, data: { a: 'one', b: '2', d: '2' }, list: [0, 1, 2, 3] });
    expect(cm.data).toEqual({ a: '1' });
  });

  it('a failing test op is 422 Invalid with the library message as cause', () => {
    const err = failure(() => jsonPatch(cm, [{ op: 'test', path: '/data/a', value: '2' }]));
    expect(err.status).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toBe('the server rejected our request due to an error in our request');
    expect(err.details?.causes).toEqual([{ reason: 'UnexpectedServerResponse', message: 'testing value /data/a failed: test failed' }]);
  });

  it('operations that do not apply name the path', () => {
    expect(failure(() => jsonPatch(cm, [{ op: 'remove', path: '/data/zz' }])).details?.causes?.[0]?.message).toBe(
      "error in remove for path: '/data/zz': Unable to remove nonexistent key: zz: missing value",
    );
    expect(failure(() => jsonPatch(cm, [{ op: 'replace', path: '/data/zz', value: 1 }])).details?.causes?.[0]?.message).toBe(
      'replace operation does not apply: doc is missing key: /data/zz: missing value',
    );
    expect(failure(() => jsonPatch(cm, [{ op: 'add', path: '/nope/x', value: 1 }])).details?.causes?.[0]?.message).toBe(
      'add operation does not apply: doc is missing path: "/nope/x": missing value',
    );
    expect(failure(() => jsonPatch(cm, [{ op: 'add', path: '/list/5', value: 1 }])).details?.causes?.[0]?.message).toBe(
      "error in add for path: '/list/5': Unable to access invalid index: 5: invalid index referenced",
    );
  });

  it('a patch that is not a list of operations is 400', () => {
    expect(failure(() => jsonPatch(cm, { op: 'add' })).status).toBe(400);
  });
});

describe('mergePatch (RFC 7386)', () => {
  it('merges objects, null deletes, lists replace', () => {
    const out = mergePatch(cm, { metadata: { labels: { app: null, tier: 'web' } }, data: null, list: [9] });
    expect(out).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { tier: 'web' } }, list: [9] });
    expect(cm.metadata.labels).toEqual({ app: 'a' });
  });

  it('null for a missing key is a no-op and new objects lose their nulls', () => {
    expect(mergePatch({ a: 1 }, { b: null, c: { d: null, e: 1 } })).toEqual({ a: 1, c: { e: 1 } });
  });
});
