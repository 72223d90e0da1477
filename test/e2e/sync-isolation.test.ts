import { gzipSync, strToU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { createKubernetesCluster } from '../../src/adapters/kubernetes/client.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import type { KubeObject } from '../../src/core/types.ts';
import type { ResourceType } from '../../src/ports/cluster.ts';
import { appConfig, configMap } from '../sync/fixtures.ts';
import { getJson, GitRepo, requests, resetRequests, sandboxDeps } from './sync-support.ts';

/*
 * "No app can touch what is not its own", against the sandbox API server with the real client:
 * two apps share a namespace, and one of them (or whoever can write ConfigMaps there) attacks the other.
 */

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
  return sandboxDeps(sb, repo, { attempts: 2 });
}

const configMaps: ResourceType = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const namespaces: ResourceType = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };
const clusterRoles: ResourceType = { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false };

/** What anyone who can write ConfigMaps can write: an inventory in the unsigned format, naming `..` entries. */
function forgedInventory(victim: string, namespace: string, rows: string[][]): KubeObject {
  const body = JSON.stringify({ v: 1, app: victim, entries: rows });
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `driftless-inventory-${victim}`, namespace, labels: { 'driftless.dev/inventory': victim } },
    binaryData: { 'inventory.json.gz': Buffer.from(gzipSync(strToU8(body))).toString('base64') },
  };
}

const dotRows = (namespace: string, own: string): string[][] => [
  ['', 'ConfigMap', namespace, '..', 'v1', 'h'],
  ['', 'ConfigMap', namespace, '%2e%2e', 'v1', 'h'],
  ['', 'ConfigMap', namespace, own, 'v1', 'h'],
];

async function expectIntact(namespace: string, names: string[]): Promise<void> {
  const ns = await getJson(sb, `/api/v1/namespaces/${namespace}`);
  expect(ns?.metadata.deletionTimestamp).toBeUndefined();
  for (const name of names) expect(await getJson(sb, `/api/v1/namespaces/${namespace}/configmaps/${name}`), name).toBeDefined();
}

describe('apps sharing a namespace cannot touch each other through the inventory', () => {
  it("a forged inventory (unsigned, naming '..') is never used: the victim's sync deletes nothing and says what to do", async () => {
    const victim = appConfig({ name: 'victim', namespace: 'shared', path: 'victim', createNamespace: true, prune: true, allow: { namespaces: ['shared'], kinds: ['*'], clusterScoped: false } });
    const mallory = appConfig({ name: 'mallory', namespace: 'shared', path: 'mallory', createNamespace: false, prune: true, allow: { namespaces: ['shared'], kinds: ['*'], clusterScoped: false } });
    repo.commit({ 'victim/all.yaml': [configMap('v-keep')], 'mallory/all.yaml': [configMap('m-own')] });
    expect((await syncApp(deps(), victim)).errors).toEqual([]);
    expect((await syncApp(deps(), mallory)).errors).toEqual([]);
    // Mallory overwrites the victim's inventory with the client (as kubectl apply would).
    const forged = forgedInventory('victim', 'shared', dotRows('shared', 'm-own'));
    await createKubernetesCluster(sb.kubeconfig).apply(configMaps, forged, { fieldManager: 'mallory', force: true });
    await resetRequests(sb);
    const result = await syncApp(deps(), victim);
    expect(result.status).toBe('Failed');
    expect(result.errors.map((e) => e.code)).toEqual(['INVENTORY_UNTRUSTED']);
    // Apply left driftless's own checksum annotation in place: it no longer matches the data.
    expect(result.errors[0]!.message).toMatch(/^inventory ConfigMap shared\/driftless-inventory-victim has a checksum that no configured signing key matches\. If the signing key was rotated, add the old key under signing\.previousKeys; if not, someone else wrote it: .*kubectl delete configmap -n shared driftless-inventory-victim.*nothing was pruned/);
    expect(result.pruned).toEqual([]);
    expect((await requests(sb)).byVerb.delete ?? 0).toBe(0);
    await expectIntact('shared', ['v-keep', 'm-own']);
    // Left in place (not overwritten): the victim's owner decides.
    expect((await getJson(sb, '/api/v1/namespaces/shared/configmaps/driftless-inventory-victim'))?.binaryData).toEqual(forged.binaryData);
  });

  it("a repository holding another app's inventory ConfigMap fails before anything is applied; the victim's sync deletes nothing", async () => {
    const victim = appConfig({ name: 'victim2', namespace: 'shared2', path: 'victim2', createNamespace: true, prune: true, allow: { namespaces: ['shared2'], kinds: ['*'], clusterScoped: false } });
    const mallory = appConfig({ name: 'mallory2', namespace: 'shared2', path: 'mallory2', createNamespace: false, prune: true, allow: { namespaces: ['shared2'], kinds: ['*'], clusterScoped: false } });
    repo.commit({ 'victim2/all.yaml': [configMap('v-keep')], 'mallory2/all.yaml': [configMap('m-own'), forgedInventory('victim2', 'shared2', dotRows('shared2', 'm-own'))] });
    expect((await syncApp(deps(), victim)).errors).toEqual([]);
    await resetRequests(sb);
    const attack = await syncApp(deps(), mallory);
    expect(attack.status).toBe('Failed');
    expect(attack.errors[0]).toMatchObject({ code: 'NOT_ALLOWED', file: 'mallory2/all.yaml' });
    expect(attack.errors[0]!.message).toContain('ConfigMap shared2/driftless-inventory-victim2: ConfigMap names starting with "driftless-inventory-" are reserved');
    expect((await requests(sb)).writes).toBe(0);
    expect(await getJson(sb, '/api/v1/namespaces/shared2/configmaps/m-own')).toBeUndefined();
    const again = await syncApp(deps(), victim);
    expect(again.errors).toEqual([]);
    expect(again.status).toBe('Synced');
    await expectIntact('shared2', ['v-keep']);
  });

  it('prune deletes nothing when the object was deleted and created again by someone else under the same name', async () => {
    const app = appConfig({ name: 'uids', namespace: 'uids', path: 'uids', createNamespace: true, prune: true, allow: { namespaces: ['uids'], kinds: ['*'], clusterScoped: false } });
    repo.commit({ 'uids/all.yaml': [configMap('a'), configMap('b')] });
    expect((await syncApp(deps(), app)).errors).toEqual([]);
    const client = createKubernetesCluster(sb.kubeconfig);
    const before = await client.get(configMaps, 'b', 'uids');
    await client.delete(configMaps, 'b', 'uids');
    // Someone else's object, even copying driftless's label and tracking annotation.
    await client.apply(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'uids', labels: before!.metadata.labels!, annotations: { 'driftless.dev/tracking': before!.metadata.annotations!['driftless.dev/tracking']! } }, data: { theirs: 'yes' } }, { fieldManager: 'someone', force: true });
    const replaced = await client.get(configMaps, 'b', 'uids');
    expect(replaced!.metadata.uid).not.toBe(before!.metadata.uid);
    repo.commit({ 'uids/all.yaml': [configMap('a')] });
    await resetRequests(sb);
    const result = await syncApp(deps(), app);
    expect(result.errors).toEqual([]);
    expect(result.pruned).toEqual([]);
    expect(result.objects.find((o) => o.ref.name === 'b')).toMatchObject({ action: 'prune', outcome: 'skipped' });
    expect(result.objects.find((o) => o.ref.name === 'b')!.message).toContain('it is not the object driftless applied');
    expect((await requests(sb)).byVerb.delete ?? 0).toBe(0);
    expect((await getJson(sb, '/api/v1/namespaces/uids/configmaps/b'))?.data).toEqual({ theirs: 'yes' });
  });
});

describe('namespaces and RBAC need allow.clusterScoped', () => {
  const app = (extra: Parameters<typeof appConfig>[0] = {}) => appConfig({ name: 'psa', namespace: 'locked', path: 'psa', createNamespace: true, prune: true, allow: { namespaces: ['locked'], kinds: ['*'], clusterScoped: false }, ...extra });

  beforeAll(async () => {
    // An administrator made the namespace, enforcing the restricted pod security level.
    await createKubernetesCluster(sb.kubeconfig).apply(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }, { fieldManager: 'admin', force: true });
  });

  it("a repository Namespace relabelling the app's own namespace to privileged fails under clusterScoped: false and changes nothing", async () => {
    const before = await getJson(sb, '/api/v1/namespaces/locked');
    repo.commit({ 'psa/all.yaml': [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, configMap('settings')] });
    await resetRequests(sb);
    const result = await syncApp(deps(), app());
    expect(result.status).toBe('Failed');
    expect(result.errors[0]).toMatchObject({ code: 'NOT_ALLOWED', file: 'psa/all.yaml' });
    expect(result.errors[0]!.message).toContain('Namespace locked: cluster-scoped objects are not allowed');
    expect((await requests(sb)).writes).toBe(0);
    const after = await getJson(sb, '/api/v1/namespaces/locked');
    expect(after?.metadata.labels).toEqual(before?.metadata.labels);
    expect(after?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('createNamespace never relabels or adopts an existing namespace driftless did not create', async () => {
    const before = await getJson(sb, '/api/v1/namespaces/locked');
    repo.commit({ 'psa/all.yaml': [configMap('settings')] });
    const result = await syncApp(deps(), app());
    expect(result.errors).toEqual([]);
    expect(result.status).toBe('Synced');
    const after = await getJson(sb, '/api/v1/namespaces/locked');
    expect(after?.metadata.labels).toEqual(before?.metadata.labels);
    expect(after?.metadata.annotations?.['driftless.dev/tracking']).toBeUndefined();
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });

  it('a Role granting patch on namespaces, or a RoleBinding to a ClusterRole that does, is refused without clusterScoped', async () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'relabel' }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch'] }] };
    repo.commit({ 'psa/all.yaml': [role, configMap('settings')] });
    await resetRequests(sb);
    const refused = await syncApp(deps(), app());
    expect(refused.errors[0]).toMatchObject({ code: 'NOT_ALLOWED', file: 'psa/all.yaml' });
    expect(refused.errors[0]!.message).toContain('Role.rbac.authorization.k8s.io locked/relabel: grants writes on namespaces');
    expect((await requests(sb)).writes).toBe(0);
    expect(await getJson(sb, '/apis/rbac.authorization.k8s.io/v1/namespaces/locked/roles/relabel')).toBeUndefined();

    const client = createKubernetesCluster(sb.kubeconfig);
    await client.apply(clusterRoles, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'ns-patcher' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }, { fieldManager: 'admin', force: true });
    await client.apply(clusterRoles, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'ns-reader' }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }] }, { fieldManager: 'admin', force: true });
    const binding = (name: string, clusterRole: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'locked' }] });
    repo.commit({ 'psa/all.yaml': [binding('all', 'ns-patcher'), configMap('settings')] });
    const bound = await syncApp(deps(), app());
    expect(bound.errors[0]).toMatchObject({ code: 'NOT_ALLOWED' });
    expect(bound.errors[0]!.message).toContain('binds ClusterRole ns-patcher, which grants writes on namespaces');
    repo.commit({ 'psa/all.yaml': [binding('unknown', 'not-there'), configMap('settings')] });
    expect((await syncApp(deps(), app())).errors[0]!.message).toContain('binds ClusterRole not-there, which is neither in the render nor in the cluster');
    repo.commit({ 'psa/all.yaml': [binding('read', 'ns-reader'), configMap('settings')] });
    expect((await syncApp(deps(), app())).errors).toEqual([]);
  });
});
