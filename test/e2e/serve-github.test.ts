import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhooks } from '@octokit/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { createConfiguredReporter, type ConfiguredReporter } from '../../src/wiring/reporting.ts';
import { startServer, type RunningServer } from '../../src/wiring/serve.ts';
import type { SecretResolver } from '../../src/ports/secrets.ts';
import { silentLogger } from '../../src/service/engine.ts';
import { createRuntimeEngine } from '../../src/wiring/runtime-engine.ts';
import { createRuntime } from '../../src/wiring/runtime.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin/index.ts';
import { createTestRepo, type TestRepo } from '../support/github-standin/fixture.ts';
import { pushPayload } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';
import { getJson } from './sync-support.ts';

const webhookSecret = 'serve-e2e-secret';
const apiToken = 'serve-e2e-token';
const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

let sb: Sandbox;
let gh: GitHubStandin;
let repo: TestRepo;
let server: RunningServer;
let reporter: ConfiguredReporter;
let dataDir: string;
const shas: string[] = [];

beforeAll(async () => {
  sb = await startSandbox({});
  repo = createTestRepo({ 'apps/web/cm.yaml': cm('web', 'v1'), 'apps/api/cm.yaml': cm('api', 'v1'), 'README.md': 'hi\n' });
  shas.push(repo.git('rev-parse', 'HEAD'));
  gh = await startGitHubStandin({ repos: { 'acme/gitops': repo.dir }, tokens: ['gh-token'] });
  const config = serviceConfig(
    [
      appConfig('web', { path: 'apps/web', cluster: 'sandbox', healthTimeoutSeconds: 10 }),
      appConfig('api', { path: 'apps/api', cluster: 'sandbox', healthTimeoutSeconds: 10 }),
    ],
    { publicUrl: 'https://driftless.example.com' },
  );
  config.repositories = { gitops: { name: 'gitops', github: { owner: 'acme', repo: 'gitops', apiUrl: gh.apiUrl, token: { env: 'GH_TOKEN' } } } };
  config.clusters = { sandbox: { name: 'sandbox', kubeconfig: { env: 'KUBECONFIG_TEXT' } } };
  const values: Record<string, string> = { GH_TOKEN: 'gh-token', KUBECONFIG_TEXT: sb.kubeconfig, WEBHOOK_SECRET: webhookSecret, API_TOKENS: apiToken };
  const secrets: SecretResolver = { resolve: async (ref) => ('env' in ref ? values[ref.env]! : '') };
  const runtime = createRuntime(config, { secrets, pollMs: 20 });
  reporter = createConfiguredReporter(config, secrets, silentLogger);
  dataDir = mkdtempSync(path.join(tmpdir(), 'driftless-serve-gh-'));
  server = await startServer({ config, dataDir, port: 0, engine: createRuntimeEngine(runtime), reporter, secrets, log: silentLogger, pollIntervalMs: 0 });
});

afterAll(async () => {
  await server?.close();
  await gh?.stop();
  await sb?.stop();
  repo?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' };
const data = async (ns: string, name: string) => ((await getJson(sb, `/api/v1/namespaces/${ns}/configmaps/${name}`)) as { data?: Record<string, string> } | undefined)?.data?.value;

async function push(before: string, after: string, modified: string[], id: string): Promise<Response> {
  const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', before, after, commits: [{ modified }] }));
  const signature = await new Webhooks({ secret: webhookSecret }).sign(body);
  return fetch(`${server.url}/webhooks/github`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': id, 'x-hub-signature-256': signature } });
}

describe('serve with the GitHub stand-in and the sandbox', () => {
  it('a created branch syncs every app; commit statuses and deployments are reported', async () => {
    const res = await push('0'.repeat(40), shas[0]!, [], 'gh-1');
    expect(res.status).toBe(202);
    await server.queue.idle();
    expect(await data('web', 'web')).toBe('v1');
    expect(await data('api', 'api')).toBe('v1');
    // Each render recorded what it read, for routing later pushes.
    expect(await server.store.getRenderDependencies('web')).toEqual(expect.arrayContaining([expect.stringMatching(/^apps\/web/)]));
    await reporter.flush();
    const contexts = gh.statuses('acme', 'gitops', shas[0]!).map((s) => `${s.context}:${s.state}`);
    expect(contexts).toEqual(expect.arrayContaining(['driftless/web:success', 'driftless/api:success']));
    expect(gh.deployments('acme', 'gitops').map((d) => d.environment).sort()).toEqual(['api', 'web']);
  });

  it('a push touching one app syncs exactly that app', async () => {
    shas.push(repo.commit({ 'apps/web/cm.yaml': cm('web', 'v2') }));
    const res = await push(shas[0]!, shas[1]!, ['apps/web/cm.yaml'], 'gh-2');
    expect(await res.json()).toMatchObject({ result: 'queued', apps: ['web'] });
    await server.queue.idle();
    expect(await data('web', 'web')).toBe('v2');
    await reporter.flush();
    expect(gh.statuses('acme', 'gitops', shas[1]!).map((s) => s.context)).toEqual(expect.arrayContaining(['driftless/web']));
    expect(gh.statuses('acme', 'gitops', shas[1]!).map((s) => s.context)).not.toContain('driftless/api');
  });

  it('a manual sync of the old commit rolls back and pins; the next push does not move it; unpin does', async () => {
    const rollback = await fetch(`${server.url}/apps/web/sync?wait=true`, { method: 'POST', headers: auth, body: JSON.stringify({ revision: shas[0] }) });
    expect(rollback.status).toBe(200);
    expect(await rollback.json()).toMatchObject({ status: 'Synced', revision: { sha: shas[0] } });
    expect(await data('web', 'web')).toBe('v1');

    shas.push(repo.commit({ 'apps/web/cm.yaml': cm('web', 'v3') }));
    expect(await (await push(shas[1]!, shas[2]!, ['apps/web/cm.yaml'], 'gh-3')).json()).toMatchObject({ result: 'unmatched' });
    await server.queue.idle();
    expect(await data('web', 'web')).toBe('v1');
    const status = (await (await fetch(`${server.url}/apps/web`, { headers: auth })).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ pinned: { revision: shas[0] }, revision: { sha: shas[0] } });

    expect((await fetch(`${server.url}/apps/web/unpin`, { method: 'POST', headers: auth })).status).toBe(200);
    await server.queue.idle();
    expect(await data('web', 'web')).toBe('v3');
  });

  it('a kustomize error quoting a Secret value: the stored sync, the API and GitHub never hold the value', async () => {
    const value = 'serve-e2e-Secret-value';
    const forms = [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')];
    const replacement = ['replacements:', '- source:', '    kind: Secret', '    name: creds', '    fieldPath: data.password', '    options:', '      delimiter: "-"', '      index: 9', '  targets:', '  - select:', '      kind: ConfigMap', '    fieldPaths:', '    - data.value', ''].join('\n');
    shas.push(repo.commit({ 'apps/api/kustomization.yaml': `secretGenerator:\n- name: creds\n  literals:\n  - password=${value}\nresources:\n- cm.yaml\n${replacement}` }));
    const res = await push(shas[shas.length - 2]!, shas[shas.length - 1]!, ['apps/api/kustomization.yaml'], 'gh-secret');
    const { syncs } = (await res.json()) as { syncs: string[] };
    await server.queue.idle();
    await reporter.flush();
    const stored = await (await fetch(`${server.url}/syncs/${syncs[0]}`, { headers: auth })).text();
    expect(stored).toContain('out of bounds for value <redacted>');
    const diff = await (await fetch(`${server.url}/apps/api/diff`, { headers: auth })).text();
    expect(diff).toContain('RENDER_FAILED');
    const app = await (await fetch(`${server.url}/apps/api`, { headers: auth })).text();
    const github = JSON.stringify([gh.statuses('acme', 'gitops', shas[shas.length - 1]!), gh.deployments('acme', 'gitops').map((d) => gh.deploymentStatuses('acme', 'gitops', Number(d.id)))]);
    expect(github).toContain('failure');
    for (const text of [stored, diff, app, github]) for (const form of forms) expect(text).not.toContain(form);
  });
});
