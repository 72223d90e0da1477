import { Webhooks } from '@octokit/webhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWorkerHandler } from '../../functions/worker.ts';
import { EmfMetrics } from '../../src/adapters/metrics-emf/index.ts';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import type { SyncRequest } from '../../src/ports/queue.ts';
import { createLambdaHttpApp } from '../../src/wiring/lambda-http.ts';
import { createLambdaWorker } from '../../src/wiring/lambda-worker.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { lambdaContext, sqsEvent } from '../support/lambda-events.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

afterEach(() => vi.restoreAllMocks());

describe('the worker function with EMF metrics', () => {
  it('a sync is written as SyncCount and SyncDuration by app when the invocation ends', async () => {
    const engine = new FakeEngine();
    engine.refs.set('main', 'b'.repeat(40));
    const worker = createLambdaWorker({
      config: serviceConfig([appConfig('staging')]), store: new MemoryStateStore(), queue: { enqueue: async () => {} }, engine, reporting: false, log: silentLogger,
      maxReceiveCount: 3, secrets: createLocalSecretResolver({ baseDir: '/tmp', env: {} }), retryLater: async () => {}, metrics: new EmfMetrics(),
    });
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    const handler = createWorkerHandler(async () => worker, { marginMs: 1000 });
    const request = { id: 's1', app: 'staging', trigger: { kind: 'poll' }, enqueuedAt: new Date().toISOString() };
    expect(await handler(sqsEvent(request as SyncRequest), lambdaContext(60_000))).toEqual({ batchItemFailures: [] });
    const lines = out.join('').split('\n').filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual(expect.arrayContaining([
      expect.objectContaining({ app: 'staging', phase: 'Succeeded', SyncCount: 1 }),
      expect.objectContaining({ app: 'staging', SyncDuration: expect.any(Number) as number }),
    ]));
  });
});

describe('the http function with EMF metrics', () => {
  it('each webhook delivery is written as WebhookDeliveries by result when its response is ready', async () => {
    const app = createLambdaHttpApp({
      config: serviceConfig([appConfig('staging')]), store: new MemoryStateStore(), queue: { enqueue: async () => {} }, log: silentLogger,
      secrets: createLocalSecretResolver({ baseDir: '/tmp', env: { WEBHOOK_SECRET: 'emf-secret', API_TOKENS: 'emf-token' } }), metrics: new EmfMetrics(),
    });
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    const body = JSON.stringify({ zen: 'hi', hook_id: 1 });
    const headers = { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'd1', 'x-hub-signature-256': await new Webhooks({ secret: 'emf-secret' }).sign(body) };
    expect((await app.request('/webhooks/github', { method: 'POST', headers, body })).status).toBe(200);
    expect((await app.request('/webhooks/github', { method: 'POST', headers: { ...headers, 'x-hub-signature-256': 'sha256=00' }, body })).status).toBe(401);
    const lines = out.join('').split('\n').filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ result: 'pong', WebhookDeliveries: 1 }),
      expect.objectContaining({ result: 'unauthorized', WebhookDeliveries: 1 }),
    ]);
  });
});
