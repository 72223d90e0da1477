import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { findTool } from '../../src/tools/binaries.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import { appConfig, configMap, deployment } from '../sync/fixtures.ts';
import { getJson, GitRepo, requests, resetRequests, sandboxDeps } from './sync-support.ts';

let sb: Sandbox;
let repo: GitRepo;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({});
  repo = new GitRepo();
  tmp = mkdtempSync(path.join(tmpdir(), 'driftless-kc-'));
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
  rmSync(tmp, { recursive: true, force: true });
});

function deps(): SyncDeps {
  return sandboxDeps(sb, repo, { attempts: 2 });
}

describe('sync refusals and adoption against the sandbox', () => {
  it('a base Deployment without selector fails with the API server 422 named against its file; nothing applied', async () => {
    const bad = deployment('web');
    delete (bad.spec as Record<string, unknown>).selector;
    repo.commit({
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - config.yaml\n',
      'base/deployment.yaml': [bad],
      'base/config.yaml': [configMap('settings')],
    });
    await resetRequests(sb);
    const result = await syncApp(deps(), appConfig({ name: 'broken', namespace: 'default', createNamespace: false, path: 'base', allow: { namespaces: ['default'], kinds: ['*'], clusterScoped: false } }));
    expect(result.status).toBe('Failed');
    expect(result.errors[0]!.code).toBe('PREFLIGHT_FAILED');
    // The file is the one the renderer names (kustomize output carries no per-object origin yet).
    expect(result.errors[0]!.message).toMatch(/^base\/(deployment|kustomization)\.yaml(:\d+)?: Deployment\.apps "web" is invalid: .*spec\.selector: Required value/);
    expect(result.errors[0]!.file).toMatch(/^base\//);
    expect((await requests(sb)).writes).toBe(0);
    expect(await getJson(sb, '/api/v1/namespaces/default/configmaps/settings')).toBeUndefined();
  });

  it('a disallowed namespace fails the sync naming the object; nothing applied', async () => {
    const elsewhere = configMap('x');
    elsewhere.metadata.namespace = 'kube-system';
    repo.commit({ 'app/all.yaml': [configMap('ok'), elsewhere] });
    await resetRequests(sb);
    const result = await syncApp(deps(), appConfig({ name: 'fenced', namespace: 'default', createNamespace: false, allow: { namespaces: ['default'], kinds: ['*'], clusterScoped: false } }));
    expect(result.errors[0]!.code).toBe('NOT_ALLOWED');
    expect(result.errors[0]!.message).toContain('ConfigMap kube-system/x');
    expect((await requests(sb)).writes).toBe(0);
    expect(await getJson(sb, '/api/v1/namespaces/default/configmaps/ok')).toBeUndefined();
  });

  it('adopts an object kubectl applied client-side, and a field removed from Git really goes', async () => {
    const kubeconfig = path.join(tmp, 'kubeconfig');
    writeFileSync(kubeconfig, sb.kubeconfig);
    const manifest = path.join(tmp, 'legacy.yaml');
    writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\n  namespace: default\n  labels:\n    old: label\ndata:\n  keep: "1"\n  drop: "2"\n');
    // Async: the sandbox runs in this process and must keep answering while kubectl runs.
    await promisify(execFile)(findTool('kubectl').path, ['--kubeconfig', kubeconfig, 'apply', '-f', manifest]);
    const before = await getJson(sb, '/api/v1/namespaces/default/configmaps/legacy');
    expect(before?.metadata.managedFields?.map((m) => m.manager)).toContain('kubectl-client-side-apply');
    repo.commit({ 'app/all.yaml': [configMap('legacy', { keep: '1' })] });
    const result = await syncApp(deps(), appConfig({ name: 'adopter', namespace: 'default', createNamespace: false, allow: { namespaces: ['default'], kinds: ['*'], clusterScoped: false } }));
    expect(result.errors).toEqual([]);
    expect(result.displacedManagers).toContain('kubectl-client-side-apply');
    const after = await getJson(sb, '/api/v1/namespaces/default/configmaps/legacy');
    expect(after?.data).toEqual({ keep: '1' });
    expect(after?.metadata.labels?.old).toBeUndefined();
    expect(after?.metadata.managedFields?.map((m) => m.manager)).not.toContain('kubectl-client-side-apply');
  });

  it("an object tracked by another app fails the sync naming both apps", async () => {
    repo.commit({ 'app/all.yaml': [configMap('contested')] });
    const allow = { namespaces: ['default'], kinds: ['*'], clusterScoped: false };
    const first = await syncApp(deps(), appConfig({ name: 'owner', namespace: 'default', createNamespace: false, allow }));
    expect(first.errors).toEqual([]);
    await resetRequests(sb);
    const second = await syncApp(deps(), appConfig({ name: 'intruder', namespace: 'default', createNamespace: false, allow }));
    expect(second.errors[0]!.code).toBe('OWNERSHIP_CONFLICT');
    expect(second.errors[0]!.message).toContain('app "owner"');
    expect(second.errors[0]!.message).toContain('app "intruder"');
    expect((await requests(sb)).writes).toBe(0);
  });
});
