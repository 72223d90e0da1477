import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhooks } from '@octokit/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { driftLabel, driftMarker } from '../../src/adapters/github/drift-issues.ts';
import type { DriftRecord, HealSuspension } from '../../src/ports/state.ts';
import type { SecretResolver } from '../../src/ports/secrets.ts';
import { silentLogger } from '../../src/service/engine.ts';
import { findTool } from '../../src/tools/binaries.ts';
import { startServer, type RunningServer } from '../../src/wiring/serve.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin/index.ts';
import { createTestRepo, type TestRepo } from '../support/github-standin/fixture.ts';
import { pushPayload } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';
import { getJson } from './sync-support.ts';

/*
 * Drift end to end through `driftless serve` as composed by default (the real drift check, the
 * real engine, SQLite state), an app in a GitHub repository (the stand-in, backed by real git) on
 * the sandbox, changed out of band with real kubectl: the report names object, field and manager,
 * the issue opens, self-heal restores, a fighter gets the app HealSuspended, a manual sync
 * resumes healing (and later a push does), and the issue closes once the app is back in sync.
 */

const apiToken = 'drift-heal-token';
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;

let sb: Sandbox;
let gh: GitHubStandin;
let repo: TestRepo;
let server: RunningServer;
let dir: string;
let sha: string;

beforeAll(async () => {
  sb = await startSandbox({});
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-drift-heal-'));
  process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  writeFileSync(path.join(dir, 'kubeconfig'), sb.kubeconfig);
  repo = createTestRepo({ 'apps/web/deploy.yaml': deployment });
  sha = repo.git('rev-parse', 'HEAD');
  gh = await startGitHubStandin({ repos: { 'acme/gitops': repo.dir }, tokens: ['gh-token'] });
  const config = serviceConfig([appConfig('web', { cluster: 'sandbox', selfHeal: true, healthTimeoutSeconds: 20 })], { publicUrl: 'https://driftless.example.com' });
  config.repositories = { gitops: { name: 'gitops', github: { owner: 'acme', repo: 'gitops', apiUrl: gh.apiUrl, token: { env: 'GH_TOKEN' } } } };
  config.clusters = { sandbox: { name: 'sandbox', kubeconfig: { env: 'KUBECONFIG_TEXT' } } };
  const values: Record<string, string> = { GH_TOKEN: 'gh-token', KUBECONFIG_TEXT: sb.kubeconfig, WEBHOOK_SECRET: 'drift-heal-secret', API_TOKENS: apiToken };
  const secrets: SecretResolver = { resolve: async (ref) => ('env' in ref ? values[ref.env]! : '') };
  // Secrets only: serve composes the engine, the drift check and the issue notifier from the config.
  server = await startServer({ config, secrets, dataDir: path.join(dir, 'data'), log: silentLogger, pollIntervalMs: 0, driftIntervalMs: 0, reporter: false });
});

afterAll(async () => {
  await server?.close();
  await gh?.stop();
  await sb?.stop();
  repo?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const headers = { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' };
async function get<T>(p: string): Promise<T> {
  const res = await fetch(`${server.url}${p}`, { headers });
  expect(res.status, p).toBe(200);
  return (await res.json()) as T;
}

function kubectl(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile(findTool('kubectl').path, ['--kubeconfig', path.join(dir, 'kubeconfig'), '--cache-dir', path.join(dir, 'kcache'), ...args], (err, _out, stderr) => (err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve())));
}

const replicas = async (): Promise<number | undefined> => ((await getJson(sb, '/apis/apps/v1/namespaces/web/deployments/web'))?.spec as { replicas?: number } | undefined)?.replicas;

/** One drift run, then whatever it queued (a heal) runs to the end. */
async function driftRun(): Promise<DriftRecord> {
  await server.service.checkDrift();
  await server.queue.idle();
  return (await get<{ latest: DriftRecord }>('/apps/web/drift')).latest;
}

const heals = async (): Promise<number> => (await server.store.listSyncs({ app: 'web', limit: 100 })).filter((s) => s.trigger.kind === 'heal').length;
const issues = () => gh.issues('acme', 'gitops').filter((i) => i.body?.includes(driftMarker('web')));

interface AppDrift { drift?: { status: string }; healSuspended?: HealSuspension; latest: DriftRecord }

describe('drift, self-heal and the drift issue with the real check', () => {
  it('a synced app reports Synced and opens no issue', async () => {
    const res = await fetch(`${server.url}/apps/web/sync?wait=true`, { method: 'POST', headers, body: '{}' });
    expect(await res.json()).toMatchObject({ status: 'Synced' });
    expect(await driftRun()).toMatchObject({ status: 'Synced', revision: { sha }, objects: [] });
    expect(issues()).toEqual([]);
  });

  it('kubectl scale: the run names object, field and manager, opens the issue, and self-heal restores the replicas', async () => {
    // kubectl scale sends no fieldManager: the API server names the manager after the user agent (kubectl).
    await kubectl('scale', 'deployment', 'web', '-n', 'web', '--replicas=5');
    expect(await replicas()).toBe(5);
    const report = await driftRun();
    expect(report).toMatchObject({
      status: 'OutOfSync', revision: { sha },
      objects: [{ ref: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' }, state: 'modified', fields: [{ path: '/spec/replicas', desired: 2, live: 5, manager: 'kubectl' }] }],
      heal: { action: 'queued', revision: sha },
    });
    const [issue] = issues();
    expect(issue).toMatchObject({ state: 'open', labels: [expect.objectContaining({ name: driftLabel })] });
    expect(issue!.body).toContain('`/spec/replicas`');
    expect(issue!.body).toContain('https://driftless.example.com/apps/web/drift');
    expect(await replicas()).toBe(2);
    expect(await heals()).toBe(1);
  });

  it('a fighter that changes the field after every heal: after 3 heals within the hour the app is HealSuspended, naming manager and field; no 4th heal', async () => {
    for (const n of [2, 3]) {
      await kubectl('patch', 'deployment', 'web', '-n', 'web', '--type', 'merge', '-p', `{"spec":{"replicas":${n + 4}}}`);
      expect(await driftRun()).toMatchObject({ status: 'OutOfSync', heal: { action: 'queued' } });
      expect(await replicas()).toBe(2);
      expect(await heals()).toBe(n);
    }
    await kubectl('patch', 'deployment', 'web', '-n', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":9}}');
    const report = await driftRun();
    // The manager the API server recorded for the fighter's writes: kubectl patch sends fieldManager=kubectl-patch.
    const fighter = report.objects[0]!.fields[0]!.manager!;
    expect(fighter).toBe('kubectl-patch');
    expect(report.heal).toMatchObject({ action: 'suspended', suspension: { managers: [fighter], fields: ['Deployment web/web /spec/replicas'] } });
    expect(await heals()).toBe(3);
    expect(await replicas()).toBe(9);

    const view = await get<AppDrift>('/apps/web/drift');
    expect(view.drift?.status).toBe('HealSuspended');
    expect(view.healSuspended?.message).toContain(fighter);
    expect(view.healSuspended?.message).toContain('/spec/replicas');
    // Still fighting on the next run: still suspended, still no heal.
    expect((await driftRun()).heal).toMatchObject({ action: 'suspended' });
    expect(await heals()).toBe(3);
    const [issue] = issues();
    expect(issues()).toHaveLength(1);
    expect(issue!.body).toContain('Self-heal suspended');
    expect(issue!.body).toContain(fighter);
  });

  it('a manual sync restores and resumes healing; back in sync, the issue is closed with a comment', async () => {
    const res = await fetch(`${server.url}/apps/web/sync?wait=true`, { method: 'POST', headers, body: '{}' });
    expect(await res.json()).toMatchObject({ status: 'Synced' });
    expect(await replicas()).toBe(2);
    expect((await get<AppDrift>('/apps/web/drift')).healSuspended).toBeUndefined();

    await kubectl('scale', 'deployment', 'web', '-n', 'web', '--replicas=4');
    expect(await driftRun()).toMatchObject({ status: 'OutOfSync', heal: { action: 'queued', revision: sha } });
    expect(await heals()).toBe(4);
    expect(await replicas()).toBe(2);

    expect(await driftRun()).toMatchObject({ status: 'Synced', objects: [] });
    const [issue] = issues();
    expect(issue).toMatchObject({ state: 'closed' });
    expect(gh.issueComments('acme', 'gitops', issue!.number).map((c) => c.body)).toEqual([expect.stringMatching(/^web is back in sync/)]);
    expect((await get<AppDrift>('/apps/web/drift')).drift?.status).toBe('Synced');
  });

  it('fought again until suspended, a push resumes healing; drift is then measured against the pushed revision', async () => {
    for (const n of [6, 7, 8]) {
      await kubectl('patch', 'deployment', 'web', '-n', 'web', '--type', 'merge', '-p', `{"spec":{"replicas":${n}}}`);
      await driftRun();
    }
    // Heals since the manual sync: the one above, then two more; the third drift suspends.
    expect(await heals()).toBe(6);
    expect((await get<AppDrift>('/apps/web/drift')).drift?.status).toBe('HealSuspended');

    const pushed = repo.commit({ 'apps/web/deploy.yaml': deployment.replace('replicas: 2', 'replicas: 3') });
    const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', before: sha, after: pushed, commits: [{ modified: ['apps/web/deploy.yaml'] }] }));
    const res = await fetch(`${server.url}/webhooks/github`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'drift-heal-push', 'x-hub-signature-256': await new Webhooks({ secret: 'drift-heal-secret' }).sign(body) },
    });
    expect(res.status).toBe(202);
    await server.queue.idle();
    expect(await replicas()).toBe(3);
    expect((await get<AppDrift>('/apps/web/drift')).healSuspended).toBeUndefined();

    await kubectl('patch', 'deployment', 'web', '-n', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":1}}');
    expect(await driftRun()).toMatchObject({
      status: 'OutOfSync', revision: { sha: pushed },
      objects: [{ fields: [{ path: '/spec/replicas', desired: 3, live: 1, manager: 'kubectl-patch' }] }],
      heal: { action: 'queued', revision: pushed },
    });
    expect(await replicas()).toBe(3);
    expect(await heals()).toBe(7);
  });
});
