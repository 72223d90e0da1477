import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { registerDrift } from '../../src/cli/commands/drift.ts';
import { registerSync } from '../../src/cli/commands/sync.ts';
import type { DriftJson } from '../../src/drift/json.ts';
import { findTool } from '../../src/tools/binaries.ts';
import { cli, GitRepo, runInProcess } from './sync-support.ts';
import { configMap, deployment } from '../sync/fixtures.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schema/drift-report.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const kubectlPath = findTool('kubectl').path;

let sb: Sandbox;
let dir: string;
let repo: GitRepo;
let config: string;

beforeAll(async () => {
  sb = await startSandbox({});
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-cli-drift-'));
  process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  repo = new GitRepo();
  symlinkSync(repo.dir, path.join(dir, 'repo'));
  writeFileSync(path.join(dir, 'sandbox.kubeconfig'), sb.kubeconfig);
  // A cluster nobody answers for: its app must come back Unknown without hiding the others.
  writeFileSync(path.join(dir, 'dead.kubeconfig'), sb.kubeconfig.replace(/server: \S+/, 'server: https://127.0.0.1:1'));
  config = path.join(dir, 'driftless.yaml');
  const app = (name: string, cluster: string): Record<string, unknown> => ({ name, repository: 'demo', branch: 'main', path: 'app', cluster, namespace: name, createNamespace: true, healthTimeoutSeconds: 10 });
  writeFileSync(config, stringify({
    repositories: { demo: { git: './repo' } },
    clusters: { sandbox: { kubeconfig: { file: './sandbox.kubeconfig' } }, dead: { kubeconfig: { file: './dead.kubeconfig' } } },
    apps: [app('shop', 'sandbox'), app('ghost', 'dead')],
  }));
  repo.commit({ 'app/all.yaml': [deployment('web', { replicas: 2 }), configMap('settings'), configMap('flags', { beta: 'disabled' })] });
  const synced = await runInProcess(registerSync, ['sync', 'shop', '--config', config]);
  expect(synced.code, synced.stdout + synced.stderr).toBe(0);
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const drift = (...args: string[]) => runInProcess(registerDrift, ['drift', ...args, '--config', config, '--quiet']);

function kubectl(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(kubectlPath, ['--kubeconfig', path.join(dir, 'sandbox.kubeconfig'), '--cache-dir', path.join(dir, 'kcache'), ...args], { timeout: 30_000 }, (err, _out, stderr) => (err ? reject(new Error(stderr)) : resolve()));
  });
}

function parsed(stdout: string): DriftJson {
  const body = JSON.parse(stdout) as DriftJson;
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  return body;
}

describe('driftless drift', () => {
  it('an unreachable cluster is Unknown while the other app still reports Synced: exit 3; the JSON validates against the published schema', async () => {
    const run = await drift('--json');
    expect(run.code).toBe(3);
    const body = parsed(run.stdout);
    const [shop, ghost] = body.apps;
    expect(shop).toMatchObject({ name: 'shop', status: 'Synced', objects: [] });
    expect(shop!.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(ghost).toMatchObject({ name: 'ghost', status: 'Unknown', revision: null, objects: [], reason: { code: 'CLUSTER_UNAVAILABLE' } });
    expect(ghost!.reason!.message).toMatch(/^cluster unreachable: /);
  }, 60_000);

  it('kubectl scale and delete show up naming the object and the field: exit 1', async () => {
    await kubectl('scale', 'deployment', 'web', '-n', 'shop', '--replicas', '4');
    await kubectl('delete', 'configmap', 'flags', '-n', 'shop');
    const run = await drift('--app', 'shop', '--json');
    expect(run.code).toBe(1);
    const body = parsed(run.stdout);
    expect(body.apps).toHaveLength(1);
    expect(body.apps[0]!.status).toBe('OutOfSync');
    expect(body.apps[0]!.objects).toEqual([
      { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'flags', state: 'missing', fields: [] },
      { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web', state: 'modified', fields: [{ path: '/spec/replicas', desired: 2, live: 4 }] },
    ]);
  });

  it('--markdown prints what the GitHub issue shows; the plain form names the manager', async () => {
    const md = await drift('--app', 'shop', '--markdown');
    expect(md.code).toBe(1);
    expect(md.stdout).toContain('### App `shop`: OutOfSync');
    expect(md.stdout).toContain('#### `Deployment.apps shop/web`: modified in the cluster');
    expect(md.stdout).toMatch(/\| `\/spec\/replicas` \| `2` \| `4` \| `kubectl[\w-]*` \|/);
    expect(md.stdout).toContain('#### `ConfigMap shop/flags`: missing');
    const plain = await drift('--app', 'shop');
    expect(plain.stdout).toMatch(/\/spec\/replicas: 2 → 4 \(by kubectl[\w-]*\)/);
  });

  it('exit 2 for an unknown app or --json with --markdown', async () => {
    expect((await drift('--app', 'nope')).code).toBe(2);
    await expect(drift('--json', '--markdown')).rejects.toThrow(/cannot be used with/);
  });

  it('the real CLI (main wiring, lazy command) gives the same answer', async () => {
    const run = await cli(['drift', '--app', 'shop', '--json', '--config', config], { cwd: dir, env: { XDG_CACHE_HOME: path.join(dir, 'cache') } });
    expect(run.code).toBe(1);
    expect(parsed(run.stdout).apps[0]!.objects.map((o) => o.name)).toEqual(['flags', 'web']);
  }, 60_000);
});
