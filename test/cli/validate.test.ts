import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerValidate } from '../../src/cli/commands/validate.ts';
import { GitRepo, runInProcess, writeConfig } from '../e2e/sync-support.ts';
import { configMap } from '../sync/fixtures.ts';

let dir: string;
let repo: GitRepo;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-cli-validate-'));
  repo = new GitRepo();
  symlinkSync(repo.dir, path.join(dir, 'repo'));
});

afterAll(() => {
  repo?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('driftless validate', () => {
  it('renders every app without a cluster: 0 when all render, 1 when one fails, 2 for a bad config', async () => {
    repo.commit({ 'app/cm.yaml': [configMap('one'), configMap('two')], 'broken/x.yaml': 'a: [unclosed\n' });
    // the kubeconfig is never read: validate does not touch clusters
    const good = writeConfig(dir, 'not a kubeconfig', [{ name: 'web', repository: 'demo', branch: 'main', path: 'app', cluster: 'sandbox', namespace: 'web' }]);
    const ok = await runInProcess(registerValidate, ['validate', '--config', good, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, apps: [{ app: 'web', ok: true, objects: 2, renderer: 'yaml' }] });
    const bad = writeConfig(dir, 'x', [
      { name: 'web', repository: 'demo', branch: 'main', path: 'app', cluster: 'sandbox', namespace: 'web' },
      { name: 'broken', repository: 'demo', branch: 'main', path: 'broken', cluster: 'sandbox', namespace: 'web' },
    ]);
    const failed = await runInProcess(registerValidate, ['validate', '--config', bad]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/FAIL {2}broken: .*broken\/x\.yaml/);
    const invalid = await runInProcess(registerValidate, ['validate', '--config', path.join(dir, 'missing.yaml')]);
    expect(invalid.code).toBe(2);
  });
});
