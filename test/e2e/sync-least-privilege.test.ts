import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { createKubernetesCluster } from '../../src/adapters/kubernetes/client.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { appConfig, configMap, deployment } from '../sync/fixtures.ts';
import { getJson, GitRepo, requests, resetRequests, sandboxDeps } from './sync-support.ts';

const root = path.resolve(import.meta.dirname, '../..');
const rbacFile = readFileSync(path.join(root, 'examples/least-privilege/rbac.yaml'), 'utf8');

let sb: Sandbox;
let repo: GitRepo;

beforeAll(async () => {
  sb = await startSandbox({ serviceAccounts: ['shop/driftless'] });
  repo = new GitRepo();
  // The Role and RoleBinding exactly as the README shows them, applied as the cluster's admin.
  const admin = createKubernetesCluster(sb.kubeconfig);
  for (const doc of parseAllDocuments(rbacFile)) {
    const object = doc.toJSON() as KubeObject;
    const type = await admin.resolve(object.apiVersion, object.kind);
    await admin.apply(type!, object, { fieldManager: 'admin', force: true });
  }
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
});

/** driftless as the ServiceAccount shop/driftless, which holds only the README's Role in shop. */
function deps(): SyncDeps {
  return sandboxDeps(sb, repo, { context: 'sa-shop-driftless', attempts: 3 });
}

const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
const clusterRole: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'shop-reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] };

describe('driftless with least privilege: a ServiceAccount bound to the README Role in its namespace only', () => {
  const app = appConfig({ name: 'shop', namespace: 'shop', createNamespace: false, path: 'app', healthTimeoutSeconds: 20 });

  it('the README shows exactly the Role and RoleBinding the test applies', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`yaml\n${rbacFile}\`\`\``);
  });

  it('the identity really is namespace-scoped: it cannot list ConfigMaps across namespaces', async () => {
    const sa = createKubernetesCluster(sb.kubeconfig, { context: 'sa-shop-driftless' });
    const type = await sa.resolve('v1', 'ConfigMap');
    await expect(sa.list(type!)).rejects.toMatchObject({ code: 'CLUSTER_UNAUTHORIZED' });
    expect(await sa.list(type!, 'shop')).toEqual(expect.any(Array));
  });

  it('syncs a Deployment, Service and ConfigMap (Synced), then a change and a prune work', async () => {
    repo.commit({ 'app/all.yaml': [deployment('web'), service, configMap('a'), configMap('b')] });
    const first = await syncApp(deps(), app);
    expect(first.errors).toEqual([]);
    expect(first.status).toBe('Synced');
    expect(first.objects.filter((o) => o.outcome === 'applied')).toHaveLength(4);
    expect((await getJson(sb, '/apis/apps/v1/namespaces/shop/deployments/web'))?.metadata.labels?.['driftless.dev/app']).toBe('shop');

    repo.commit({ 'app/all.yaml': [deployment('web'), service, configMap('a', { key: 'changed' })] });
    const change = await syncApp(deps(), app);
    expect(change.errors).toEqual([]);
    expect(change.status).toBe('Synced');
    expect(change.objects.filter((o) => o.outcome === 'applied').map((o) => o.ref.name)).toEqual(['a']);
    expect(change.pruned.map((r) => r.name)).toEqual(['b']);
    expect((await getJson(sb, '/api/v1/namespaces/shop/configmaps/a'))?.data).toEqual({ key: 'changed' });
    expect(await getJson(sb, '/api/v1/namespaces/shop/configmaps/b')).toBeUndefined();
  });

  it('pods list (the last rule of the Role) is what lets an unhealthy rollout say why', async () => {
    repo.commit({ 'app/all.yaml': [deployment('web', { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:crash' }] } } }), service, configMap('a', { key: 'changed' })] });
    const result = await syncApp(deps(), { ...app, healthTimeoutSeconds: 3 });
    expect(result.status).toBe('Degraded');
    expect(result.errors.map((e) => e.message).join('\n')).toMatch(/Deployment\.apps shop\/web not healthy after 3s: .*CrashLoopBackOff/);
  });

  it('a kind the Role lets it GET by name but not LIST is read by name, applied and pruned', async () => {
    const admin = createKubernetesCluster(sb.kubeconfig);
    const role = (verbs: string[]): KubeObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'driftless-tls', namespace: 'shop' }, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['web-tls'], verbs }] });
    const binding: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'driftless-tls', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'driftless-tls' }, subjects: [{ kind: 'ServiceAccount', name: 'driftless', namespace: 'shop' }] };
    for (const o of [role(['get', 'patch', 'delete']), binding]) await admin.apply((await admin.resolve(o.apiVersion, o.kind))!, o, { fieldManager: 'admin', force: true });
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-tls' }, stringData: { 'tls.key': 'not-a-real-key' } };
    repo.commit({ 'app/all.yaml': [deployment('web'), service, configMap('a', { key: 'changed' }), secret] });
    // patch without create: the apply that would create it is refused at its dry run, before any write.
    const refused = await syncApp(deps(), app);
    expect(refused.status).toBe('Failed');
    expect(refused.errors[0]!.message).toContain('secrets "web-tls" is forbidden: User "system:serviceaccount:shop:driftless" cannot create resource "secrets" in API group "" in the namespace "shop"');
    expect(await getJson(sb, '/api/v1/namespaces/shop/secrets/web-tls')).toBeUndefined();
    await admin.apply((await admin.resolve('rbac.authorization.k8s.io/v1', 'Role'))!, role(['get', 'create', 'patch', 'delete']), { fieldManager: 'admin', force: true });
    const created = await syncApp(deps(), app);
    expect(created.errors).toEqual([]);
    expect(created.status).toBe('Synced');
    expect((await getJson(sb, '/api/v1/namespaces/shop/secrets/web-tls'))?.metadata.labels?.['driftless.dev/app']).toBe('shop');
    // Resync: the GET finds it, so the plan knows it is unchanged.
    await resetRequests(sb);
    const again = await syncApp(deps(), app);
    expect(again.status).toBe('Synced');
    expect((await requests(sb)).writes).toBe(0);
    repo.commit({ 'app/all.yaml': [deployment('web'), service, configMap('a', { key: 'changed' })] });
    const pruned = await syncApp(deps(), app);
    expect(pruned.errors).toEqual([]);
    expect(pruned.pruned.map((r) => r.name)).toEqual(['web-tls']);
    expect(await getJson(sb, '/api/v1/namespaces/shop/secrets/web-tls')).toBeUndefined();
  });

  it('a ClusterRole in the render fails before any write, naming the missing cluster-scoped permission', async () => {
    repo.commit({ 'app/all.yaml': [deployment('web'), service, configMap('a', { key: 'changed' }), configMap('new'), clusterRole] });
    await resetRequests(sb);
    const result = await syncApp(deps(), { ...app, allow: { ...app.allow, clusterScoped: true } });
    expect(result.status).toBe('Failed');
    expect(result.errors).toHaveLength(1);
    const error = result.errors[0]!;
    expect(error.code).toBe('CLUSTER_UNAUTHORIZED');
    expect(error.message).toContain('User "system:serviceaccount:shop:driftless" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope');
    expect(error.message).toContain('app/all.yaml');
    expect(error.message).toMatch(/ClusterRole granting get, list, create, patch, delete on clusterroles\.rbac\.authorization\.k8s\.io/);
    expect(error.message).toContain('ClusterRoleBinding');
    const counts = await requests(sb);
    expect(counts.writes).toBe(0);
    expect(counts.dryRun).toBe(0);
    expect(await getJson(sb, '/api/v1/namespaces/shop/configmaps/new')).toBeUndefined();
    expect(await getJson(sb, '/apis/rbac.authorization.k8s.io/v1/clusterroles/shop-reader')).toBeUndefined();
  });
});
