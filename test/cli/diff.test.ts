import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { registerDiff } from '../../src/cli/commands/diff.ts';
import { registerSync } from '../../src/cli/commands/sync.ts';
import type { Plan } from '../../src/core/types.ts';
import { GitRepo, runInProcess, writeConfig } from '../e2e/sync-support.ts';
import { configMap } from '../sync/fixtures.ts';

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
});
