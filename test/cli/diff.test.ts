import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { registerDiff } from '../../src/cli/commands/diff.ts';
import { registerSync } from '../../src/cli/commands/sync.ts';
import type { Plan } from '../../src/core/types.ts';
import { getJson, GitRepo, runInProcess, writeConfig } from '../e2e/sync-support.ts';
import { configMap } from '../sync/fixtures.ts';
import { findTool } from '../../src/tools/binaries.ts';

let sb: Sandbox;
let dir: string;
let repo: GitRepo;
let config: string;

beforeAll(async () => {
  sb = await startSandbox({});
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-cli-diff-'));
  process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  repo = new GitRepo();
  symlinkSync(repo.dir, path.join(dir, 'repo'));
  config = writeConfig(dir, sb.kubeconfig, [{ name: 'web', repository: 'demo', branch: 'main', path: 'app', cluster: 'sandbox', namespace: 'web', createNamespace: true }]);
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const secret = (value: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: value } });

describe('driftless diff', () => {
  it('exits 1 with differences (Secret values masked), 0 in sync, 2 on error', async () => {
    repo.commit({ 'app/all.yaml': [configMap('one'), secret('hunter2')] });
    const before = await runInProcess(registerDiff, ['diff', 'web', '--config', config]);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain('+ create ConfigMap web/one (app/all.yaml');
    expect(before.stdout).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(before.stdout).toContain('<hidden hmac-sha256:');
    expect((await runInProcess(registerSync, ['sync', 'web', '--config', config])).code).toBe(0);
    const after = await runInProcess(registerDiff, ['diff', 'web', '--config', config, '--json']);
    expect(after.code).toBe(0);
    const plan = JSON.parse(after.stdout) as Plan;
    expect(plan.changes.every((c) => c.action === 'unchanged')).toBe(true);
    repo.commit({ 'app/all.yaml': [configMap('one', { key: 'two' }), secret('changed')] });
    const changed = await runInProcess(registerDiff, ['diff', 'web', '--config', config]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('~ data.key: "value" → "two"');
    expect(changed.stdout).not.toContain(Buffer.from('changed').toString('base64'));
    const broken = await runInProcess(registerDiff, ['diff', 'nope', '--config', config]);
    expect(broken.code).toBe(2);
  });

  it("an adopted Secret's kubectl last-applied annotation never shows its values in diff --json", async () => {
    // kubectl's client-side apply leaves the whole object, values included, in the annotation (cf. CVE-2023-40029).
    const manifest = path.join(dir, 'adopted.json');
    writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'adopted', namespace: 'web' }, stringData: { password: 'kubectl-era-password' } }] }));
    // Async: the sandbox answers from this process.
    await promisify(execFile)(findTool('kubectl').path, ['apply', '--kubeconfig', path.join(dir, 'sandbox.kubeconfig'), '--cache-dir', path.join(dir, 'kubectl-cache'), '--validate=false', '-f', manifest], { encoding: 'utf8', timeout: 60_000 });
    const live = await getJson(sb, '/api/v1/namespaces/web/secrets/adopted');
    expect(live?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain('kubectl-era-password');
    // Git carries its own copy of the annotation, so the diff has an annotation line to show (masked).
    const annotation = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'adopted', namespace: 'web' }, stringData: { password: 'git-era-password' } });
    repo.commit({ 'app/all.yaml': [configMap('one'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'adopted', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': annotation } }, stringData: { password: 'git-era-password' } }] });
    const run = await runInProcess(registerDiff, ['diff', 'web', '--config', config, '--json']);
    expect(run.code).toBe(1);
    const plan = JSON.parse(run.stdout) as Plan;
    const change = plan.changes.find((c) => c.ref.name === 'adopted');
    expect(change?.action).toBe('update');
    expect(change?.diff).toMatch(/last-applied-configuration: "<hidden hmac-sha256:\w+>" → "<hidden hmac-sha256:\w+>"/);
    for (const value of ['kubectl-era-password', 'git-era-password']) {
      for (const form of [value, Buffer.from(value).toString('base64')]) expect(run.stdout + run.stderr).not.toContain(form);
    }
  });
});
