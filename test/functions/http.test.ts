import { Webhooks } from '@octokit/webhooks';
import { describe, expect, it } from 'vitest';
import { createHttpHandler } from '../../functions/http.ts';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import { DriftlessError } from '../../src/core/errors.ts';
import type { SyncQueue, SyncRequest } from '../../src/ports/queue.ts';
import { silentLogger } from '../../src/service/engine.ts';
import { createLambdaHttpApp } from '../../src/wiring/lambda-http.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { apiGatewayV2Event } from '../support/lambda-events.ts';
import { pushPayload } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

const webhookSecret = 'wh-lambda-secret-51c2';
const token = 'tok-lambda-0a9e';

function setup(options: { waitMs?: number } = {}) {
  const store = new MemoryStateStore();
  const sent: SyncRequest[] = [];
  const queue: SyncQueue = { enqueue: async (request) => void sent.push(request) };
  const engine = new FakeEngine();
  engine.refs.set('main', 'a'.repeat(40));
  const app = createLambdaHttpApp({
    config: serviceConfig([appConfig('staging', { path: 'overlays/staging' })]),
    store, queue, engine, log: silentLogger, waitMs: options.waitMs ?? 300, pollMs: 10,
    secrets: createLocalSecretResolver({ baseDir: '/tmp', env: { WEBHOOK_SECRET: webhookSecret, API_TOKENS: token } }),
  });
  return { handler: createHttpHandler(async () => app), store, sent, engine };
}

const auth = { authorization: `Bearer ${token}` };

/** What the worker function does when it finishes a sync: the store says so (no in-process wake-up). */
async function finishInStore(store: MemoryStateStore, id: string): Promise<void> {
  const record = (await store.getSync(id))!;
  const now = new Date().toISOString();
  await store.putSync({ ...record, state: 'succeeded', startedAt: now, finishedAt: now, result: { app: record.app, revision: { ref: 'main', sha: 'a'.repeat(40) }, status: record.dryRun ? 'DryRun' : 'Synced', startedAt: now, finishedAt: now, dryRun: record.dryRun, objects: [], pruned: [], displacedManagers: [], health: 'Healthy', errors: [] } });
}

describe('functions/http: API Gateway v2 → hono', () => {
  it('a signed push answers 202 and sends one message for the worker', async () => {
    const { handler, sent, store } = setup();
    const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', commits: [{ modified: ['overlays/staging/deploy.yaml'] }] }));
    const signature = await new Webhooks({ secret: webhookSecret }).sign(body);
    const response = await handler(apiGatewayV2Event('POST', '/webhooks/github', {
      body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-lambda-1', 'x-hub-signature-256': signature },
    }));
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ delivery: 'd-lambda-1', result: 'queued', apps: ['staging'] });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ app: 'staging', trigger: { kind: 'push', delivery: 'd-lambda-1' } });
    expect((await store.getDelivery('d-lambda-1'))?.state).toBe('queued');
  });

  it('a base64-encoded body is decoded before its signature is checked; a wrong signature is 401', async () => {
    const { handler, sent } = setup();
    const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', commits: [{ modified: ['overlays/staging/x.yaml'] }] }));
    const signature = await new Webhooks({ secret: webhookSecret }).sign(body);
    const headers = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-b64' };
    expect((await handler(apiGatewayV2Event('POST', '/webhooks/github', { body, base64: true, headers: { ...headers, 'x-hub-signature-256': signature } }))).statusCode).toBe(202);
    const forged = await new Webhooks({ secret: 'not-the-secret' }).sign(body);
    expect((await handler(apiGatewayV2Event('POST', '/webhooks/github', { body, headers: { ...headers, 'x-github-delivery': 'd-forged', 'x-hub-signature-256': forged } }))).statusCode).toBe(401);
    expect(sent).toHaveLength(1);
  });

  it('GET /apps/{app}/diff queues a dry run (202 + Location), shares it while pending, then answers the stored plan', async () => {
    const { handler, sent, store } = setup();
    const first = await handler(apiGatewayV2Event('GET', '/apps/staging/diff', { headers: auth }));
    expect(first.statusCode).toBe(202);
    const id = JSON.parse(first.body).id as string;
    expect(first.headers?.location).toBe(`/syncs/${id}`);
    expect(sent).toEqual([expect.objectContaining({ id, app: 'staging', dryRun: true })]);

    const again = await handler(apiGatewayV2Event('GET', '/apps/staging/diff', { headers: auth }));
    expect(again.statusCode).toBe(202);
    expect(JSON.parse(again.body).id).toBe(id);
    expect(sent).toHaveLength(1);

    await finishInStore(store, id);
    const stored = await handler(apiGatewayV2Event('GET', '/apps/staging/diff', { headers: auth }));
    expect(stored.statusCode).toBe(200);
    expect(JSON.parse(stored.body)).toMatchObject({ app: 'staging', status: 'DryRun', dryRun: true });
    expect(sent).toHaveLength(1);
  });

  it('?wait=true reads the store until the sync ends elsewhere, else answers 202 + Location when time is up', async () => {
    const { handler, store } = setup({ waitMs: 2000 });
    const waiting = handler(apiGatewayV2Event('POST', '/apps/staging/sync?wait=true', { headers: auth, body: '' }));
    // The worker, in another function, finishes it: nothing wakes this process but its own reads.
    for (let i = 0; i < 100 && (await store.listSyncs({ app: 'staging' })).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const [record] = await store.listSyncs({ app: 'staging' });
    await finishInStore(store, record!.id);
    const done = await waiting;
    expect(done.statusCode).toBe(200);
    expect(JSON.parse(done.body)).toMatchObject({ app: 'staging', status: 'Synced' });

    const { handler: slow } = setup({ waitMs: 150 });
    const started = Date.now();
    const timedOut = await slow(apiGatewayV2Event('POST', '/apps/staging/sync?wait=true', { headers: auth, body: '' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(timedOut.statusCode).toBe(202);
    const id = JSON.parse(timedOut.body).id as string;
    expect(timedOut.headers?.location).toBe(`/syncs/${id}`);
  });

  it('GET /apps/{app}/diff?wait=true answers the dry run once the worker stored it', async () => {
    const { handler, store, sent } = setup({ waitMs: 2000 });
    const waiting = handler(apiGatewayV2Event('GET', '/apps/staging/diff?wait=true', { headers: auth }));
    for (let i = 0; i < 100 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await finishInStore(store, sent[0]!.id);
    const done = await waiting;
    expect(done.statusCode).toBe(200);
    expect(JSON.parse(done.body)).toMatchObject({ status: 'DryRun' });
  });

  it('a container that cannot start answers 503 with the error code, not a Lambda error', async () => {
    const handler = createHttpHandler(async () => { throw new DriftlessError('CONFIG_NOT_FOUND', 'config file driftless.yaml not found'); });
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => void errors.push(line);
    try {
      const response = await handler(apiGatewayV2Event('GET', '/healthz'));
      expect(response.statusCode).toBe(503);
      expect(JSON.parse(response.body)).toEqual({ error: { code: 'CONFIG_NOT_FOUND', message: 'config file driftless.yaml not found' } });
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toContain('CONFIG_NOT_FOUND');
  });
});
