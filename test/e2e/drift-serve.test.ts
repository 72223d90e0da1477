import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { DriftReport } from '../../src/core/types.ts';
import { silentLogger } from '../../src/service/engine.ts';
import { findTool } from '../../src/tools/binaries.ts';
import { startServer, type RunningServer } from '../../src/wiring/serve.ts';
import { configMap } from '../sync/fixtures.ts';
import { GitRepo } from './sync-support.ts';

let sb: Sandbox;
let dir: string;
let repo: GitRepo;
let server: RunningServer;
const token = 'drift-serve-token';

beforeAll(async () => {
  sb = await startSandbox({});
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-drift-serve-'));
  process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  process.env.DRIFT_SERVE_TOKENS = token;
  process.env.DRIFT_SERVE_SECRET = 'drift-serve-secret';
  repo = new GitRepo();
  symlinkSync(repo.dir, path.join(dir, 'repo'));
  writeFileSync(path.join(dir, 'sandbox.kubeconfig'), sb.kubeconfig);
  writeFileSync(path.join(dir, 'driftless.yaml'), stringify({
    repositories: { demo: { git: './repo' } },
    clusters: { sandbox: { kubeconfig: { file: './sandbox.kubeconfig' } } },
    apps: [{ name: 'web', repository: 'demo', branch: 'main', path: 'app', cluster: 'sandbox', namespace: 'web', createNamespace: true, healthTimeoutSeconds: 10 }],
    server: { webhookSecret: { env: 'DRIFT_SERVE_SECRET' }, apiTokens: { env: 'DRIFT_SERVE_TOKENS' } },
  }));
  repo.commit({ 'app/cm.yaml': [configMap('settings')] });
  const config = await loadConfig(path.join(dir, 'driftless.yaml'));
  // No engine, no check injected: serve composes the real ones from the config.
  server = await startServer({ config, dataDir: path.join(dir, 'data'), port: 0, log: silentLogger, pollIntervalMs: 0, driftIntervalMs: 0, reporter: false });
});

afterAll(async () => {
  await server?.close();
  await sb?.stop();
  repo?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

describe('serve checks drift with the real check by default', () => {
  it('after a sync and an out-of-band kubectl patch, the run reports the field; GET /apps/{app}/drift shows it', async () => {
    const synced = await fetch(`${server.url}/apps/web/sync?wait=true`, { method: 'POST', headers: auth, body: '{}' });
    expect(await synced.json()).toMatchObject({ status: 'Synced' });
    expect((await server.service.checkDrift()).reports).toMatchObject([{ app: 'web', status: 'Synced' }]);
    await new Promise<void>((resolve, reject) => execFile(findTool('kubectl').path, ['--kubeconfig', path.join(dir, 'sandbox.kubeconfig'), '--cache-dir', path.join(dir, 'kcache'), 'patch', 'configmap', 'settings', '-n', 'web', '--type', 'merge', '-p', '{"data":{"key":"edited"}}'], (err) => (err ? reject(err) : resolve())));
    const run = await server.service.checkDrift();
    expect(run.reports[0]).toMatchObject({ app: 'web', status: 'OutOfSync', objects: [{ ref: { kind: 'ConfigMap', name: 'settings' }, state: 'modified', fields: [{ path: '/data/key', desired: 'value', live: 'edited' }] }] });
    const history = (await (await fetch(`${server.url}/apps/web/drift`, { headers: auth })).json()) as { reports?: DriftReport[] } & Record<string, unknown>;
    expect(JSON.stringify(history)).toContain('/data/key');
  });
});
