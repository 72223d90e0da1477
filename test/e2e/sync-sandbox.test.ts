import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { createKubernetesCluster } from '../../src/adapters/kubernetes/client.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import type { InventoryEntry, KubeObject } from '../../src/core/types.ts';
import { appConfig, configMap, deployment } from '../sync/fixtures.ts';
import { readInventory } from '../../src/inventory/inventory.ts';
import { addFault, getJson, GitRepo, requests, resetRequests, sandboxDeps } from './sync-support.ts';
import { testKeyring } from '../support/keyring.ts';

let sb: Sandbox;
let repo: GitRepo;

beforeAll(async () => {
  sb = await startSandbox({});
  repo = new GitRepo();
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
});

function deps(): SyncDeps {
  return sandboxDeps(sb, repo, { attempts: 3 });
}

function ns(name: string, o: KubeObject): KubeObject {
  return { ...o, metadata: { ...o.metadata, namespace: name } };
}

describe('sync against the sandbox API server', () => {
  const app = appConfig({ name: 'shop', namespace: 'shop', path: 'app', healthTimeoutSeconds: 20, allow: { namespaces: ['shop', 'extra'], kinds: ['*'], clusterScoped: true } });

  it('creates on the first sync, then a resync is a no-op: 0 writes, at most kinds + 2 requests', async () => {
    repo.commit({ 'app/all.yaml': [deployment('web'), configMap('a'), configMap('b'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }] });
    const first = await syncApp(deps(), app);
    expect(first.errors).toEqual([]);
    expect(first.status).toBe('Synced');
    expect(first.objects.filter((o) => o.outcome === 'applied')).toHaveLength(5);
    expect((await getJson(sb, '/api/v1/namespaces/shop/configmaps/a'))?.metadata.labels?.['driftless.dev/app']).toBe('shop');
    await resetRequests(sb);
    const again = await syncApp(deps(), app);
    expect(again.status).toBe('Synced');
    const counts = await requests(sb);
    expect(counts.writes).toBe(0);
    expect(counts.dryRun).toBe(0);
    // kinds: Namespace, Deployment, ConfigMap, Service
    expect(counts.total - counts.discovery).toBeLessThanOrEqual(4 + 2);
  });

  it('a change writes exactly the changed object (plus the inventory), removal prunes', async () => {
    repo.commit({ 'app/all.yaml': [deployment('web'), configMap('a', { key: 'changed' }), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }] });
    await resetRequests(sb);
    const result = await syncApp(deps(), app);
    expect(result.errors).toEqual([]);
    expect(result.objects.filter((o) => o.outcome === 'applied').map((o) => o.ref.name)).toEqual(['a']);
    expect(result.pruned.map((r) => r.name)).toEqual(['b']);
    const counts = await requests(sb);
    expect(counts.byVerb.delete).toBe(1);
    expect(counts.writes).toBe(1 + 1 + 1); // apply a, delete b, inventory
    expect(await getJson(sb, '/api/v1/namespaces/shop/configmaps/b')).toBeUndefined();
    expect((await getJson(sb, '/api/v1/namespaces/shop/configmaps/a'))?.data).toEqual({ key: 'changed' });
  });

  it('a 10-object change writes exactly 10 plus the inventory (recording the synced revision); the inventory still drives prune', async () => {
    const bulk = appConfig({ name: 'bulk', namespace: 'bulk', path: 'bulk', healthTimeoutSeconds: 20, allow: { namespaces: ['bulk'], kinds: ['*'], clusterScoped: true } });
    const maps = (changed: number, count = 14): KubeObject[] => Array.from({ length: count }, (_, i) => configMap(`m${i}`, { v: i < changed ? 'two' : 'one' }));
    repo.commit({ 'bulk/all.yaml': maps(0) });
    expect((await syncApp(deps(), bulk)).status).toBe('Synced');
    const recorded = await readInventory(createKubernetesCluster(sb.kubeconfig), 'bulk', 'bulk', testKeyring);
    const changedSha = repo.commit({ 'bulk/all.yaml': maps(10) });
    await resetRequests(sb);
    const change = await syncApp(deps(), bulk);
    expect(change.errors).toEqual([]);
    expect(change.objects.filter((o) => o.outcome === 'applied')).toHaveLength(10);
    let counts = await requests(sb);
    // The inventory is rewritten once per new revision (drift compares against it), not per object.
    expect(counts.writes).toBe(10 + 1);
    expect(counts.dryRun).toBe(10);
    const inventory = await readInventory(createKubernetesCluster(sb.kubeconfig), 'bulk', 'bulk', testKeyring);
    expect(inventory!.revision?.sha).toBe(changedSha);
    const identities = (entries: InventoryEntry[]): string[] => entries.map((e) => `${e.ref.kind}/${e.ref.name} ${e.uid}`).sort();
    expect(identities(inventory!.entries)).toEqual(identities(recorded!.entries));
    expect(inventory!.entries.map((e) => e.ref.name).sort()).toEqual(['bulk', ...Array.from({ length: 14 }, (_, i) => `m${i}`)].sort());
    expect((await getJson(sb, '/api/v1/namespaces/bulk/configmaps/m3'))?.metadata.annotations?.['driftless.dev/applied-hash']).toMatch(/^[\w-]{22}$/);
    // No-op after the change: nothing written, nothing dry-run.
    await resetRequests(sb);
    expect((await syncApp(deps(), bulk)).status).toBe('Synced');
    counts = await requests(sb);
    expect(counts.writes).toBe(0);
    expect(counts.dryRun).toBe(0);
    // Dropping two objects prunes exactly inventory minus desired, then records the new set.
    repo.commit({ 'bulk/all.yaml': maps(10, 12) });
    await resetRequests(sb);
    const shrink = await syncApp(deps(), bulk);
    expect(shrink.pruned.map((r) => r.name).sort()).toEqual(['m12', 'm13']);
    counts = await requests(sb);
    expect(counts.byVerb.delete).toBe(2);
    expect(counts.writes).toBe(2 + 1); // two deletes, one inventory write
    expect(await getJson(sb, '/api/v1/namespaces/bulk/configmaps/m13')).toBeUndefined();
    expect((await readInventory(createKubernetesCluster(sb.kubeconfig), 'bulk', 'bulk', testKeyring))!.entries).toHaveLength(13);
  });

  it('a failed apply prunes nothing', async () => {
    // The Service lives in a namespace this sync creates, so it is schema-checked, not dry-run:
    // the injected failures hit its real apply.
    repo.commit({ 'app/all.yaml': [deployment('web'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'extra' } }, ns('extra', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } })] });
    await addFault(sb, { verb: 'patch', resource: 'services', kind: '500', count: 3 });
    const result = await syncApp(deps(), app);
    expect(result.status).toBe('Failed');
    expect(result.errors[0]!.message).toContain('app/all.yaml');
    expect(result.pruned).toEqual([]);
    expect(await getJson(sb, '/api/v1/namespaces/shop/configmaps/a')).toBeDefined();
  });

  it('transient server errors (503, 429 with Retry-After) are retried and the sync succeeds', async () => {
    repo.commit({ 'app/all.yaml': [deployment('web'), configMap('a', { key: 'retried' })] });
    await addFault(sb, { verb: 'patch', resource: 'configmaps', kind: '503', count: 1 });
    await addFault(sb, { verb: 'list', kind: '429', retryAfterSeconds: 0, count: 1 });
    const result = await syncApp(deps(), app);
    expect(result.errors).toEqual([]);
    expect(result.status).toBe('Synced');
    expect((await getJson(sb, '/api/v1/namespaces/shop/configmaps/a'))?.data).toEqual({ key: 'retried' });
  });
});
