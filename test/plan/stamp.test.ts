import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyIgnoreRules, removePointer, stampObject, trackedBy } from '../../src/plan/stamp.ts';
import { maskSecret } from '../../src/plan/mask.ts';
import { canonicalJson, configHash } from '../../src/plan/hash.ts';

describe('stampObject', () => {
  it('adds the app label and tracking annotation, fills the namespace, never touches app.kubernetes.io labels', () => {
    const obj = stampObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { 'app.kubernetes.io/managed-by': 'Helm' } } }, 'shop', 'prod');
    expect(obj.metadata).toMatchObject({ namespace: 'prod', labels: { 'app.kubernetes.io/managed-by': 'Helm', 'driftless.dev/app': 'shop' }, annotations: { 'driftless.dev/tracking': 'shop:apps/Deployment:prod/web' } });
    expect(trackedBy(obj)).toBe('shop');
  });
  it('keeps an explicit namespace and strips it from cluster-scoped objects', () => {
    expect(stampObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'other' } }, 'a', 'prod').metadata.namespace).toBe('other');
    expect(stampObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', namespace: 'x' } }, 'a', undefined).metadata.namespace).toBeUndefined();
  });
  it('folds Secret stringData into data as the server would', () => {
    const obj = stampObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2' } }, 'a', 'ns');
    expect(obj.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
    expect(obj.stringData).toBeUndefined();
  });
});

describe('ignore rules', () => {
  it('removes fields by JSON pointer for matching objects only', () => {
    const make = (name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, annotations: { 'a/b': 'x' } }, spec: { replicas: 3, template: {} } });
    const rules = [{ kind: 'Deployment', name: 'web', jsonPointers: ['/spec/replicas', '/metadata/annotations/a~1b'] }];
    expect(applyIgnoreRules(make('web'), rules)).toMatchObject({ spec: { template: {} }, metadata: { annotations: {} } });
    expect((applyIgnoreRules(make('web'), rules).spec as Record<string, unknown>).replicas).toBeUndefined();
    expect((applyIgnoreRules(make('api'), rules).spec as Record<string, unknown>).replicas).toBe(3);
  });
  it('a pointer to nothing is a no-op, a malformed one is a config error', () => {
    const obj = { a: [1, 2] };
    removePointer(obj, '/b/c');
    removePointer(obj, '/a/1');
    expect(obj).toEqual({ a: [1] });
    expect(() => removePointer(obj, 'a')).toThrow(/must start with/);
  });
});

describe('maskSecret and hashes', () => {
  it('keeps Secret key names, hides values (also in the last-applied annotation)', () => {
    const masked = maskSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"p":"c2VjcmV0"}}' } }, data: { p: 'c2VjcmV0' } })!;
    expect(Object.keys(masked.data as object)).toEqual(['p']);
    expect(JSON.stringify(masked)).not.toContain('c2VjcmV0');
    expect((masked.data as Record<string, string>).p).toMatch(/^<hidden hmac-sha256:[0-9a-f]{12}>$/);
  });
  it('masks with a keyed hash: equal values match within a diff, but the plain sha256 of a value is not shown', () => {
    const secret = (p: string) => maskSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p } })!.data as Record<string, string>;
    expect(secret('aHVudGVyMg==').p).toBe(secret('aHVudGVyMg==').p);
    expect(secret('aHVudGVyMg==').p).not.toBe(secret('aHVudGVyMw==').p);
    expect(secret('aHVudGVyMg==').p).not.toContain(createHash('sha256').update('aHVudGVyMg==').digest('hex').slice(0, 12));
  });
  it('hashes ignore key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    expect(configHash({ a: 1, b: 2 })).toBe(configHash({ b: 2, a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
  });
});
