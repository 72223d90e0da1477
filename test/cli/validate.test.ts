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

  it('a kustomize replacements error that quotes a secretGenerator value prints it nowhere (plain or base64)', async () => {
    const value = 'cli-validate-Secret-42';
    const replacement = ['replacements:', '- source:', '    kind: Secret', '    name: creds', '    fieldPath: data.password', '    options:', '      delimiter: "-"', '      index: 7', '  targets:', '  - select:', '      kind: ConfigMap', '    fieldPaths:', '    - data.key', ''].join('\n');
    repo.commit({ 'leaky/kustomization.yaml': `secretGenerator:\n- name: creds\n  literals:\n  - password=${value}\nresources:\n- cm.yaml\n${replacement}`, 'leaky/cm.yaml': [configMap('one')] });
    const file = writeConfig(dir, 'x', [{ name: 'leaky', repository: 'demo', branch: 'main', path: 'leaky', cluster: 'sandbox', namespace: 'web' }]);
    for (const args of [['validate', '--config', file], ['validate', '--config', file, '--json']]) {
      const run = await runInProcess(registerValidate, args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('out of bounds for value <redacted>');
      const printed = run.stdout + run.stderr;
      for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64').replace(/=+$/, '')]) expect(printed).not.toContain(form);
    }
  });
});
