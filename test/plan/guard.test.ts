import { describe, expect, it } from 'vitest';
import { grantsNamespaceWrites } from '../../src/plan/guard.ts';
import { syncApp } from '../../src/sync/sync.ts';
import { appConfig, configMap, Fake } from '../sync/fixtures.ts';

describe('guards before the first request', () => {
  it("a manifest named '..' (or '%2e%2e', or not DNS-1123) fails with MANIFEST_INVALID naming file and metadata.name; nothing is written", async () => {
    const fake = new Fake();
    fake.set([configMap('ok'), configMap('..'), configMap('%2e%2e'), configMap('Upper')]);
    const result = await syncApp(fake.deps(), appConfig());
    expect(result.status).toBe('Failed');
    expect(result.errors[0]).toMatchObject({ code: 'MANIFEST_INVALID', file: 'app/configmap-...yaml' });
    const message = result.errors[0]!.message;
    expect(message).toContain('app/configmap-...yaml:1: ConfigMap shop/..: metadata.name "..": may not be \'..\'');
    expect(message).toContain('ConfigMap shop/%2e%2e: metadata.name "%2e%2e": may not contain \'%\'');
    expect(message).toContain('ConfigMap shop/Upper: metadata.name "Upper": a lowercase RFC 1123 subdomain');
    expect(fake.cluster.counters.writes).toBe(0);
    expect(fake.cluster.find('ConfigMap', 'ok')).toBeUndefined();
  });

  it('a manifest namespace that is no DNS-1123 label fails naming metadata.namespace', async () => {
    const fake = new Fake();
    const elsewhere = configMap('x');
    elsewhere.metadata.namespace = '..';
    fake.set([elsewhere]);
    const result = await syncApp(fake.deps(), appConfig({ allow: { namespaces: ['*'], kinds: ['*'], clusterScoped: false } }));
    expect(result.errors[0]!.code).toBe('MANIFEST_INVALID');
    expect(result.errors[0]!.message).toContain('metadata.namespace "..": may not be \'..\'');
  });

  it('grantsNamespaceWrites: writes on namespaces in the core group, not reads, not other groups', () => {
    const rule = (apiGroups: string[], resources: string[], verbs: string[]) => [{ apiGroups, resources, verbs }];
    expect(grantsNamespaceWrites(rule([''], ['namespaces'], ['patch']))).toBe(true);
    expect(grantsNamespaceWrites(rule(['*'], ['*'], ['*']))).toBe(true);
    expect(grantsNamespaceWrites(rule([''], ['namespaces/finalize'], ['update']))).toBe(true);
    expect(grantsNamespaceWrites(rule([''], ['*'], ['delete']))).toBe(true);
    expect(grantsNamespaceWrites(rule([''], ['namespaces'], ['get', 'list', 'watch']))).toBe(false);
    expect(grantsNamespaceWrites(rule(['apps'], ['*'], ['*']))).toBe(false);
    expect(grantsNamespaceWrites(rule([''], ['configmaps'], ['*']))).toBe(false);
    expect(grantsNamespaceWrites(undefined)).toBe(false);
  });

  it("a repository Namespace for the app's own namespace needs allow.clusterScoped even with createNamespace", async () => {
    const fake = new Fake();
    fake.set([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, configMap('a')]);
    const refused = await syncApp(fake.deps(), appConfig({ createNamespace: true }));
    expect(refused.errors[0]).toMatchObject({ code: 'NOT_ALLOWED', file: 'app/namespace-shop.yaml' });
    expect(fake.cluster.counters.writes).toBe(0);
    const allowed = await syncApp(fake.deps(), appConfig({ createNamespace: true, allow: { namespaces: ['shop'], kinds: ['*'], clusterScoped: true } }));
    expect(allowed.errors).toEqual([]);
    expect(fake.cluster.find('Namespace', 'shop')?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });
});
