import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { registerCredentials } from '../../src/cli/commands/credentials.ts';
import type { ClusterCheck } from '../../src/wiring/credentials-check.ts';
import { GitRepo, runInProcess } from '../e2e/sync-support.ts';
import { configMap } from '../sync/fixtures.ts';

let sb: Sandbox;
let dir: string;
let repo: GitRepo;

const app = (name: string, cluster: string) => ({ name, repository: 'demo', branch: 'main', path: 'app', cluster, namespace: 'web' });

beforeAll(async () => {
  sb = await startSandbox({});
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-cli-credentials-'));
  process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  repo = new GitRepo();
  repo.commit({ 'app/cm.yaml': [configMap('one')] });
  symlinkSync(repo.dir, path.join(dir, 'repo'));
  writeFileSync(path.join(dir, 'sandbox.kubeconfig'), sb.kubeconfig);
  writeFileSync(path.join(dir, 'admin.json'), JSON.stringify({ server: sb.url, caData: Buffer.from(sb.caPem).toString('base64'), token: sb.adminToken }));
  writeFileSync(path.join(dir, 'stale.json'), JSON.stringify({ server: sb.url, caData: Buffer.from(sb.caPem).toString('base64'), token: 'stale-token-0123456789' }));
  writeFileSync(path.join(dir, 'driftless.yaml'), stringify({
    repositories: { demo: { git: './repo' } },
    clusters: {
      kube: { kubeconfig: { file: './sandbox.kubeconfig' } },
      viewer: { kubeconfig: { file: './sandbox.kubeconfig' }, context: 'sandbox-viewer' },
      json: { credentials: { file: './admin.json' } },
      stale: { credentials: { file: './stale.json' } },
    },
    apps: [app('web-kube', 'kube'), app('web-viewer', 'viewer'), app('web-json', 'json'), app('web-stale', 'stale')],
  }));
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const check = (...args: string[]) => runInProcess(registerCredentials, ['credentials', 'check', ...args, '--config', path.join(dir, 'driftless.yaml')]);

describe('driftless credentials check', () => {
  it('kubeconfig and JSON credentials: who driftless is, the server version, every needed verb allowed; exit 0', async () => {
    const run = await check('kube', 'json', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; clusters: ClusterCheck[] };
    expect(report.ok).toBe(true);
    expect(report.clusters.map((c) => [c.cluster, c.form, c.ok])).toEqual([['kube', 'kubeconfig', true], ['json', 'credentials', true]]);
    for (const c of report.clusters) {
      expect(c.server).toBe(sb.url);
      expect(c.version).toMatch(/^v1\.\d+/);
      expect(c.user?.groups).toContain('system:masters');
      // configmaps in web: the app's ConfigMap and its inventory, get/list/patch/delete each.
      expect(c.checked).toBe(4);
      expect(c.missing).toEqual([]);
    }
  });

  it('a read-only identity lacks patch and delete: each is named with its resource, namespace and apps; exit 1', async () => {
    const run = await check('viewer');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('cluster viewer (kubeconfig, ');
    expect(run.stdout).toContain('FAILED');
    expect(run.stdout).toContain('missing permissions (2 of 4):');
    expect(run.stdout).toContain('    patch configmaps in namespace web (apps: web-viewer)');
    expect(run.stdout).toContain('    delete configmaps in namespace web (apps: web-viewer)');
    expect(run.stdout).not.toMatch(/^\s+(get|list) /m);
  });

  it('refused credentials fail that cluster only, and no token appears in the output', async () => {
    const run = await check('--json');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { clusters: ClusterCheck[] };
    const byName = Object.fromEntries(report.clusters.map((c) => [c.cluster, c]));
    expect(byName.stale!.error?.code).toBe('CLUSTER_UNAUTHORIZED');
    expect(byName.kube!.ok).toBe(true);
    expect(byName.json!.ok).toBe(true);
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain('stale-token-0123456789');
      expect(text).not.toContain(sb.adminToken);
      expect(text).not.toContain(sb.viewerToken);
    }
  });

  it('an unknown cluster is a usage error (exit 2)', async () => {
    const run = await check('nowhere');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no cluster "nowhere"');
  });
});
