import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/driftless');

/** examples/broken-selector: the quick-start layout whose base Deployment has no selector (issue 4, part 9). */
describe('examples/broken-selector through the CLI', () => {
  let sb: Sandbox;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'driftless-broken-'));
    cpSync(join(root, 'examples/broken-selector'), dir, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: join(dir, 'gitops') });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'broken');
    sb = await startSandbox({ kubeconfigPath: join(dir, 'sandbox.kubeconfig') });
  });

  afterAll(async () => {
    await sb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with the API server 422 named against base/deployment.yaml, exit 1, no stack trace, nothing applied', async () => {
    const failure = await run(bin, ['sync', 'broken-staging', '--config', join(dir, 'driftless.yaml')], { env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') } }).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/base\/deployment\.yaml(:\d+)?: Deployment\.apps "web" is invalid: .*spec\.selector: Required value/);
    expect(failure?.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);

    const kc = new k8s.KubeConfig();
    kc.loadFromString(readFileSync(join(dir, 'sandbox.kubeconfig'), 'utf8'));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const names = (await core.listNamespace()).items.map((ns) => ns.metadata?.name);
    expect(names).toContain('default');
    expect(names).not.toContain('staging');
  }, 60_000);
});
