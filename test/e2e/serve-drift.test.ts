import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport } from '../../src/core/types.ts';
import type { SecretResolver } from '../../src/ports/secrets.ts';
import { silentLogger } from '../../src/service/engine.ts';
import { startServer, type RunningServer } from '../../src/wiring/serve.ts';
import { driftReport } from '../support/drift-reports.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { driftLabel, driftMarker } from '../../src/adapters/github/drift-issues.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin/index.ts';
import { createTestRepo, type TestRepo } from '../support/github-standin/fixture.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

/*
 * `driftless serve` with the drift timer on: a scripted drift check (the real check is tested on
 * its own), SQLite state, the GitHub stand-in for issues, the HTTP API over a socket.
 */

const apiToken = 'serve-drift-token';
let gh: GitHubStandin;
let repo: TestRepo;
let local: TestRepo;
let server: RunningServer;
let dataDir: string;
const engine = new FakeEngine();
const script = new Map<string, DriftReport['status']>();
let checks = 0;

beforeAll(async () => {
  repo = createTestRepo({ 'apps/web/cm.yaml': 'a: 1\n' });
  local = createTestRepo({ 'apps/tools/cm.yaml': 'a: 1\n' });
  gh = await startGitHubStandin({ repos: { 'acme/gitops': repo.dir }, tokens: ['gh-token'] });
  const config = serviceConfig(
    [
      appConfig('web', { selfHeal: true }),
      appConfig('api', { driftIssues: false }),
      appConfig('tools', { repository: 'local' }),
    ],
    { publicUrl: 'https://driftless.example.com' },
  );
  config.repositories = {
    gitops: { name: 'gitops', github: { owner: 'acme', repo: 'gitops', apiUrl: gh.apiUrl, token: { env: 'GH_TOKEN' } } },
    local: { name: 'local', git: local.dir },
  };
  const values: Record<string, string> = { GH_TOKEN: 'gh-token', API_TOKENS: apiToken, WEBHOOK_SECRET: 'x' };
  const secrets: SecretResolver = { resolve: async (ref) => ('env' in ref ? values[ref.env]! : '') };
  for (const app of ['web', 'api', 'tools']) script.set(app, 'OutOfSync');
  dataDir = mkdtempSync(path.join(tmpdir(), 'driftless-serve-drift-'));
  engine.refs.set('main', 'b'.repeat(40));
  server = await startServer({
    config, dataDir, engine, secrets, reporter: false, log: silentLogger, pollIntervalMs: 0, driftIntervalMs: 30,
    driftCheck: async (app) => {
      checks++;
      return driftReport(app.name, script.get(app.name)!, { objects: script.get(app.name) === 'OutOfSync' ? driftReport(app.name, 'OutOfSync').objects : [] });
    },
  });
});

afterAll(async () => {
  await server?.close();
  await gh?.stop();
  repo?.remove();
  local?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const get = async <T>(p: string): Promise<T> => {
  const res = await fetch(`${server.url}${p}`, { headers: { authorization: `Bearer ${apiToken}` } });
  expect(res.status, p).toBe(200);
  return (await res.json()) as T;
};

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits for `n` more complete runs of every app. */
const runs = (n: number) => {
  const target = checks + 3 * (n + 1);
  return until(`${n} drift runs`, () => checks >= target);
};

const issuesOf = (app: string) => gh.issues('acme', 'gitops').filter((i) => i.body?.includes(driftMarker(app)));

describe('drift in serve', () => {
  it('the timer checks every app; GET /drift, /apps/{app}/drift and /apps show the reports', async () => {
    await until('reports of every app', async () => (await get<{ reports: unknown[] }>('/drift')).reports.length === 3);
    const { reports } = await get<{ reports: Array<{ app: string; status: string }> }>('/drift');
    expect(reports.map((r) => [r.app, r.status])).toEqual([['api', 'OutOfSync'], ['tools', 'OutOfSync'], ['web', 'OutOfSync']]);
    const { apps } = await get<{ apps: Array<{ name: string; drift?: { status: string; checkedAt: string } }> }>('/apps');
    for (const app of apps) expect(app.drift, app.name).toMatchObject({ status: expect.stringMatching(/OutOfSync|HealSuspended/), checkedAt: expect.any(String) });
    const web = await get<{ latest: { objects: Array<{ fields: Array<{ path: string; manager: string }> }> }; history: unknown[] }>('/apps/web/drift');
    expect(web.latest.objects[0]!.fields[0]).toMatchObject({ path: '/spec/replicas', manager: 'kubectl-edit' });
    expect(web.history.length).toBeGreaterThanOrEqual(1);
  });

  it('self-heal queues syncs of the revision last synced, then backs off naming the manager', async () => {
    await until('heal suspended', async () => (await get<{ drift?: { status: string } }>('/apps/web')).drift?.status === 'HealSuspended');
    const heals = engine.syncs.filter((s) => s.app === 'web' && s.request.trigger.kind === 'heal');
    expect(heals).toHaveLength(3);
    expect(heals.every((s) => s.request.revision.sha === 'b'.repeat(40))).toBe(true);
    const view = await get<{ healSuspended: { managers: string[]; fields: string[]; message: string }; recentSyncs: Array<{ trigger: { kind: string } }> }>('/apps/web');
    expect(view.healSuspended).toMatchObject({ managers: ['kubectl-edit'], fields: ['Deployment shop/web /spec/replicas'] });
    expect(view.recentSyncs.filter((s) => s.trigger.kind === 'heal')).toHaveLength(3);
    // Apps without selfHeal are never healed.
    expect(engine.syncs.some((s) => s.app !== 'web')).toBe(false);
  });

  it('one GitHub issue for the GitHub app that wants it, edited only on change; none for driftIssues: false or a local git repository', async () => {
    await until('web issue', () => issuesOf('web').length === 1 && issuesOf('web')[0]!.body!.includes('Self-heal suspended'));
    expect(issuesOf('web')[0]!.labels).toEqual([expect.objectContaining({ name: driftLabel })]);
    expect(issuesOf('api')).toEqual([]);
    expect(issuesOf('tools')).toEqual([]);
    gh.resetCalls();
    await runs(3);
    expect(gh.calls().filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('closes the issue with a comment once the app is back in sync', async () => {
    script.set('web', 'Synced');
    await until('web issue closed', () => issuesOf('web')[0]?.state === 'closed');
    expect(gh.issueComments('acme', 'gitops', issuesOf('web')[0]!.number)[0]!.body).toMatch(/^web is back in sync/);
    const { reports } = await get<{ reports: Array<{ app: string; status: string }> }>('/drift');
    expect(reports.find((r) => r.app === 'web')?.status).toBe('Synced');
  });
});
