import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it('a configured signing key that does not resolve is a config error naming the field (exit 2); nothing is generated', async () => {
    repo.commit({ 'app/cm.yaml': [configMap('one')] });
    const base = writeConfig(dir, 'x', [{ name: 'web', repository: 'demo', branch: 'main', path: 'app', cluster: 'sandbox', namespace: 'web' }]);
    const file = path.join(dir, 'signing.yaml');
    writeFileSync(file, `${readFileSync(base, 'utf8')}signing:\n  key: { env: DRIFTLESS_TEST_UNSET_SIGNING_KEY }\n`);
    delete process.env.DRIFTLESS_TEST_UNSET_SIGNING_KEY;
    const run = await runInProcess(registerValidate, ['validate', '--config', file, '--json']);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as { ok: boolean; signing: { ok: boolean; error?: { code: string; message: string } } };
    expect(report.ok).toBe(false);
    expect(report.signing.error?.code).toBe('SECRET_UNAVAILABLE');
    expect(report.signing.error?.message).toContain('signing.key');
    expect(existsSync(path.join(dir, '.driftless', 'signing-key'))).toBe(false);
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

  const configWith = (name: string, repositories: Record<string, string>, app: Record<string, unknown> = {}): string => {
    const file = path.join(dir, name);
    const repos = Object.entries(repositories).map(([key, git]) => `  ${key}: { git: '${git}' }`).join('\n');
    const fields = Object.entries({ name: 'web', repository: 'demo', branch: 'main', path: 'app', cluster: 'sandbox', namespace: 'web', ...app }).map(([k, v]) => `    ${k}: ${String(v)}`).join('\n');
    writeFileSync(file, `repositories:\n${repos}\nclusters:\n  sandbox: { kubeconfig: { file: ./sandbox.kubeconfig } }\napps:\n  - ${fields.trimStart()}\n`);
    return file;
  };

  it('refuses what a sync would refuse: a git: URL (2), a folder that is no repository or sits inside one (1), also when no app uses it', async () => {
    repo.commit({ 'app/cm.yaml': [configMap('one')] });
    const url = await runInProcess(registerValidate, ['validate', '--config', configWith('url.yaml', { demo: './repo', remote: 'git@github.com:acme/gitops.git' })]);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("url.yaml:3: repositories.remote.git: 'git@github.com:acme/gitops.git' is a URL, and git: takes a local path");
    expect(url.stderr).toContain('[CONFIG_INVALID]');

    mkdirSync(path.join(dir, 'plain'), { recursive: true });
    const plain = await runInProcess(registerValidate, ['validate', '--config', configWith('plain.yaml', { demo: './repo', unused: './plain' }), '--json']);
    expect(plain.code).toBe(1);
    expect(JSON.parse(plain.stdout)).toMatchObject({ ok: false, repositories: [{ repository: 'demo', ok: true }, { repository: 'unused', ok: false, error: { code: 'SOURCE_UNAVAILABLE' } }], apps: [{ app: 'web', ok: true }] });
    expect(plain.stderr).toMatch(/FAIL {2}repository unused: Cannot read the git repository .*plain/);

    // repo/app is a folder of the repository: git would read the enclosing repository instead.
    const inside = await runInProcess(registerValidate, ['validate', '--config', configWith('inside.yaml', { demo: './repo/app' }, { path: '.' })]);
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(/FAIL {2}repository demo: .* is the folder app inside another git repository.*\[SOURCE_INVALID\]/);
    expect(inside.stderr).toMatch(/FAIL {2}web: .*\[SOURCE_INVALID\]/);
  });

  it('accepts selfHeal without a "not yet active" warning', async () => {
    repo.commit({ 'app/cm.yaml': [configMap('one')] });
    const run = await runInProcess(registerValidate, ['validate', '--config', configWith('heal.yaml', { demo: './repo' }, { selfHeal: true })]);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('selfHeal');
  });
});
