import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhooks } from '@octokit/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { createJsonLogger } from '../../src/adapters/log-json/index.ts';
import { PrometheusMetrics } from '../../src/adapters/metrics-prometheus/index.ts';
import type { SecretResolver } from '../../src/ports/secrets.ts';
import { createConfiguredReporter, type ConfiguredReporter } from '../../src/wiring/reporting.ts';
import { createRuntimeEngine } from '../../src/wiring/runtime-engine.ts';
import { createRuntime } from '../../src/wiring/runtime.ts';
import { startServer, type RunningServer } from '../../src/wiring/serve.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin/index.ts';
import { createTestRepo, type TestRepo } from '../support/github-standin/fixture.ts';
import { pushPayload } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';
import { getJson } from './sync-support.ts';

// The values the logs must never hold, in every form they could take.
const webhookSecret = 'obs-e2e-webhook-secret-5d1c';
const apiToken = 'obs-e2e-api-token-a83f';
const githubToken = 'obs-e2e-github-token-19be';
const secretValue = 'obs-e2e-Secret-value-77c2';
const secretForms = [secretValue, Buffer.from(secretValue).toString('base64'), Buffer.from(secretValue).toString('base64url')];
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  value: "${value}"\n`;
const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-creds\ntype: Opaque\ndata:\n  password: ${Buffer.from(secretValue).toString('base64')}\n`;

let sb: Sandbox;
let gh: GitHubStandin;
let repo: TestRepo;
let server: RunningServer;
let reporter: ConfiguredReporter;
let dataDir: string;
const lines: string[] = [];
let head: string;
let restart: () => Promise<RunningServer>;
let broken: string;

beforeAll(async () => {
  sb = await startSandbox({});
  repo = createTestRepo({ 'apps/web/cm.yaml': cm('v1'), 'apps/web/secret.yaml': secret });
  head = repo.git('rev-parse', 'HEAD');
  gh = await startGitHubStandin({ repos: { 'acme/gitops': repo.dir }, tokens: [githubToken] });
  const config = serviceConfig([appConfig('web', { path: 'apps/web', cluster: 'sandbox', healthTimeoutSeconds: 10 })]);
  config.repositories = { gitops: { name: 'gitops', github: { owner: 'acme', repo: 'gitops', apiUrl: gh.apiUrl, token: { env: 'GH_TOKEN' } } } };
  config.clusters = { sandbox: { name: 'sandbox', kubeconfig: { env: 'KUBECONFIG_TEXT' } } };
  const values: Record<string, string> = { GH_TOKEN: githubToken, KUBECONFIG_TEXT: sb.kubeconfig, WEBHOOK_SECRET: webhookSecret, API_TOKENS: apiToken };
  const secrets: SecretResolver = { resolve: async (ref) => ('env' in ref ? values[ref.env]! : '') };
  const log = createJsonLogger({ level: 'debug', write: (line) => void lines.push(line) });
  const metrics = new PrometheusMetrics();
  const runtime = createRuntime(config, { secrets, pollMs: 20, metrics });
  reporter = createConfiguredReporter(config, secrets, log, undefined, metrics);
  dataDir = mkdtempSync(path.join(tmpdir(), 'driftless-serve-obs-'));
  server = await startServer({ config, dataDir, port: 0, engine: createRuntimeEngine(runtime), reporter, secrets, log, metrics, pollIntervalMs: 0 });
  restart = () => startServer({ config, dataDir, port: 0, engine: createRuntimeEngine(runtime), reporter: false, secrets, log, pollIntervalMs: 0 });
});

afterAll(async () => {
  await server?.close();
  await gh?.stop();
  await sb?.stop();
  repo?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${apiToken}` };

async function push(after: string, id: string, secretValueForSignature = webhookSecret, before = '0'.repeat(40)): Promise<Response> {
  const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', before, after, commits: before === '0'.repeat(40) ? [] : [{ modified: ['apps/web/cm.yaml'] }] }));
  const signature = await new Webhooks({ secret: secretValueForSignature }).sign(body);
  return fetch(`${server.url}/webhooks/github`, {
    method: 'POST', body,
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': id, 'x-hub-signature-256': signature, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
  });
}

async function scrape(): Promise<string> {
  const res = await fetch(`${server.url}/metrics`, { headers: auth });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('serve: metrics and logs of a whole sync', () => {
  it('GET /metrics needs the API token; every series of the app exists at zero before the first event', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const text = await scrape();
    expect(sample(text, 'driftless_app_info{app="web",repository="gitops",cluster="sandbox",namespace="web"}')).toBe(1);
    expect(sample(text, 'driftless_sync_total{app="web",phase="Succeeded"}')).toBe(0);
    expect(sample(text, 'driftless_webhook_deliveries_total{event="push",result="queued"}')).toBe(0);
  });

  it('a push moves the webhook, sync, GitHub and cluster series', async () => {
    expect((await push(head, 'obs-1')).status).toBe(202);
    await server.queue.idle();
    await reporter.flush();
    expect((await getJson(sb, '/api/v1/namespaces/web/secrets/web-creds'))?.metadata?.name).toBe('web-creds');
    const text = await scrape();
    expect(sample(text, 'driftless_webhook_deliveries_total{event="push",result="queued"}')).toBe(1);
    expect(sample(text, 'driftless_sync_total{app="web",phase="Succeeded"}')).toBe(1);
    expect(sample(text, 'driftless_sync_duration_seconds_count{app="web"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="web",status="Synced"}')).toBe(1);
    expect(sample(text, 'driftless_app_health_status{app="web",health="Healthy"}')).toBe(1);
    expect(sample(text, 'driftless_github_api_requests_total{status="200"}')).toBeGreaterThan(0);
    expect(sample(text, 'driftless_github_rate_limit_remaining')).toBeGreaterThan(0);
    expect(sample(text, 'driftless_cluster_api_requests_total{cluster="sandbox",verb="apply",code="201"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'driftless_cluster_api_requests_total{cluster="sandbox",verb="get",code="404"}')).toBeGreaterThanOrEqual(1);
    // Bounded labels: no SHA, delivery id or object name anywhere in the exposition.
    expect(text).not.toContain(head);
    expect(text).not.toContain('obs-1');
    expect(text).not.toContain('web-creds');
  });

  it('a webhook with a wrong signature and a sync that fails each count', async () => {
    expect((await push(head, 'obs-2', 'not-the-secret')).status).toBe(401);
    broken = repo.commit({ 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map\n' });
    expect((await push(broken, 'obs-3', webhookSecret, head)).status).toBe(202);
    await server.queue.idle();
    const text = await scrape();
    expect(sample(text, 'driftless_webhook_deliveries_total{event="push",result="unauthorized"}')).toBe(1);
    expect(sample(text, 'driftless_sync_total{app="web",phase="Failed"}')).toBe(1);
  });

  it('logs: one JSON object per line, the sync lines carry app, revision, delivery, sync and trace; no secret value anywhere', () => {
    const all = parsed();
    for (const line of all) expect(Object.keys(line).slice(0, 4)).toEqual(['level', 'message', 'timestamp', 'service']);
    const finished = all.find((l) => l.message === 'sync finished');
    expect(finished).toMatchObject({ level: 'INFO', service: 'driftless', app: 'web', revision: head, delivery: 'obs-1', trace: traceId, status: 'Synced' });
    expect(typeof finished?.sync).toBe('string');
    expect(all.find((l) => l.message === 'push queued')).toMatchObject({ delivery: 'obs-1', trace: traceId, revision: head });
    const failed = all.find((l) => l.delivery === 'obs-3' && (l.message === 'sync failed' || l.message === 'sync finished'));
    expect(failed).toMatchObject({ app: 'web', revision: broken, delivery: 'obs-3', trace: traceId });
    expect(['Failed', undefined]).toContain(failed?.status);
    expect(all.find((l) => l.message === 'webhook signature mismatch')).toMatchObject({ level: 'WARN', delivery: 'obs-2', trace: traceId });
    const text = lines.join('');
    for (const value of [webhookSecret, apiToken, githubToken, ...secretForms]) expect(text).not.toContain(value);
  });

  it('a restart starts the status series from the state store, not Unknown', async () => {
    await server.close();
    server = await restart();
    const text = await scrape();
    expect(sample(text, 'driftless_app_sync_status{app="web",status="Failed"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="web",status="Unknown"}')).toBe(0);
    expect(sample(text, 'driftless_sync_total{app="web",phase="Failed"}')).toBe(0);
  });
});
