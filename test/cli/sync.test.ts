import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { registerSync } from '../../src/cli/commands/sync.ts';
import type { SyncResult } from '../../src/core/types.ts';
import { getJson, GitRepo, runInProcess, writeConfig } from '../e2e/sync-support.ts';
import { configMap } from '../sync/fixtures.ts';

let sb: Sandbox;
let dir: string;
let repo: GitRepo;
let config: string;

beforeAll(async () => {
  sb = await startSandbox({});
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-cli-sync-'));
  process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  repo = new GitRepo();
  symlinkSync(repo.dir, path.join(dir, 'repo'));
  config = writeConfig(dir, sb.kubeconfig, [{ name: 'web', repository: 'demo', branch: 'main', path: 'app', cluster: 'sandbox', namespace: 'web', createNamespace: true, healthTimeoutSeconds: 10 }]);
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const sync = (...args: string[]) => runInProcess(registerSync, ['sync', ...args, '--config', config]);

describe('driftless sync', () => {
  it('--dry-run writes nothing and exits 0; sync applies, progress on stderr, JSON on stdout', async () => {
    repo.commit({ 'app/cm.yaml': [configMap('one')] });
    const dry = await sync('web', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect((JSON.parse(dry.stdout) as SyncResult).status).toBe('DryRun');
    expect(await getJson(sb, '/api/v1/namespaces/web/configmaps/one')).toBeUndefined();
    const run = await sync('web', '--json');
    expect(run.stderr).toContain('[apply]');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as SyncResult;
    expect(result.status).toBe('Synced');
    expect(result.revision.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await getJson(sb, '/api/v1/namespaces/web/configmaps/one')).toBeDefined();
  });

  it('--revision syncs an older commit', async () => {
    const old = repo.commit({ 'app/cm.yaml': [configMap('one', { v: 'old' })] });
    repo.commit({ 'app/cm.yaml': [configMap('one', { v: 'new' })] });
    const run = await sync('web', '--revision', old);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`web Synced at ${old.slice(0, 12)}`);
    expect((await getJson(sb, '/api/v1/namespaces/web/configmaps/one'))?.data).toEqual({ v: 'old' });
  });

  it('exits 1 on a preflight failure and 2 on an unknown app or a missing config', async () => {
    repo.commit({ 'app/cm.yaml': [configMap('one'), { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }] });
    const failed = await sync('web');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('app/cm.yaml');
    expect(failed.stderr).toContain('UNKNOWN_KIND');
    const unknown = await sync('nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no app "nope"');
    const missing = await runInProcess(registerSync, ['sync', 'web', '--config', path.join(dir, 'absent.yaml')]);
    expect(missing.code).toBe(2);
  });

  it('a kustomize replacements error quoting a Secret value: the value is in neither the output nor the JSON result', async () => {
    const value = 'cli-sync-Secret-value';
    const replacement = ['replacements:', '- source:', '    kind: Secret', '    name: creds', '    fieldPath: data.password', '    options:', '      delimiter: "-"', '      index: 7', '  targets:', '  - select:', '      kind: ConfigMap', '    fieldPaths:', '    - data.key', ''].join('\n');
    repo.commit({ 'app/kustomization.yaml': `secretGenerator:\n- name: creds\n  literals:\n  - password=${value}\nresources:\n- cm.yaml\n${replacement}`, 'app/cm.yaml': [configMap('one')] });
    const run = await sync('web', '--json');
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as SyncResult;
    expect(result.errors[0]!.message).toContain('out of bounds for value <redacted>');
    const printed = run.stdout + run.stderr;
    for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')]) expect(printed).not.toContain(form);
  });
});
