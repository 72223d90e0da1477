import { describe, expect, it } from 'vitest';
import { createWorkerHandler, parseSyncMessage } from '../../functions/worker.ts';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import type { SyncQueue, SyncRequest } from '../../src/ports/queue.ts';
import type { Logger } from '../../src/service/engine.ts';
import { createLambdaWorker, type LambdaWorker } from '../../src/wiring/lambda-worker.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { lambdaContext, sqsEvent } from '../support/lambda-events.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

function setup() {
  const store = new MemoryStateStore();
  const queue: SyncQueue = { enqueue: async () => {} };
  const engine = new FakeEngine();
  engine.refs.set('main', 'b'.repeat(40));
  const visibility: Array<{ receiptHandle: string; seconds: number }> = [];
  const logs: string[] = [];
  const log: Logger = { info: () => {}, warn: (m) => void logs.push(m), error: (m) => void logs.push(m) };
  let flushes = 0;
  const base = createLambdaWorker({
    config: serviceConfig([appConfig('staging')]), store, queue, engine, reporting: false, log, maxReceiveCount: 3,
    secrets: createLocalSecretResolver({ baseDir: '/tmp', env: {} }),
    retryLater: async (receiptHandle, seconds) => void visibility.push({ receiptHandle, seconds }),
  });
  const worker: LambdaWorker = { ...base, flush: async () => void flushes++ };
  const handler = createWorkerHandler(async () => worker, { marginMs: 1000, random: () => 0.5 });
  return { handler, store, engine, visibility, logs, worker, flushes: () => flushes };
}

const request = (id: string, fields: Partial<SyncRequest> = {}): SyncRequest => ({ id, app: 'staging', trigger: { kind: 'push', delivery: `d-${id}` }, enqueuedAt: '2026-12-02T08:00:00.000Z', ...fields });

describe('functions/worker: SQS FIFO → sync → partial batch response', () => {
  it('a sync that succeeds is acknowledged (no batch item failure) and recorded; reports are flushed', async () => {
    const { handler, store, engine, visibility, flushes } = setup();
    const response = await handler(sqsEvent(request('s1')), lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(engine.syncs).toHaveLength(1);
    expect(await store.getSync('s1')).toMatchObject({ state: 'succeeded', revision: { sha: 'b'.repeat(40) } });
    expect(visibility).toEqual([]);
    expect(flushes()).toBe(1);
  });

  it('a transient failure comes back: listed in batchItemFailures, its wait shortened by receive count', async () => {
    const { handler, store, engine, visibility } = setup();
    engine.failNext('CLUSTER_UNAVAILABLE', true);
    const event = sqsEvent(request('s2'), { receiveCount: 1 });
    const response = await handler(event, lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    // 30 s ceiling on the first receive, half of it jittered (random 0.5 → 23 s).
    expect(visibility).toEqual([{ receiptHandle: event.Records[0]!.receiptHandle, seconds: 23 }]);
    expect((await store.getSync('s2'))?.state).toBe('running');

    engine.failNext('CLUSTER_UNAVAILABLE', true);
    const second = sqsEvent(request('s2'), { receiveCount: 2 });
    await handler(second, lambdaContext());
    expect(visibility[1]!.seconds).toBe(45);
  });

  it('a permanent failure is recorded and acknowledged, so it does not block the app\'s message group', async () => {
    const { handler, store, engine, visibility } = setup();
    engine.failNext('RENDER_FAILED', false);
    const response = await handler(sqsEvent(request('s3')), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(await store.getSync('s3')).toMatchObject({ state: 'failed', error: { code: 'RENDER_FAILED' } });
    expect((await store.getAppStatus('staging'))?.status).toBe('Failed');
    expect(visibility).toEqual([]);
  });

  it('a transient failure on the last receive is recorded, then left for the dead-letter queue at once', async () => {
    const { handler, store, engine, visibility, logs } = setup();
    engine.failNext('CLUSTER_UNAVAILABLE', true);
    const event = sqsEvent(request('s4'), { receiveCount: 3 });
    const response = await handler(event, lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect(await store.getSync('s4')).toMatchObject({ state: 'failed', error: { code: 'CLUSTER_UNAVAILABLE' } });
    expect(visibility).toEqual([{ receiptHandle: event.Records[0]!.receiptHandle, seconds: 0 }]);
    expect(logs.join('\n')).toContain('dead-letter queue');
  });

  it('starts nothing with less than the margin left, and returns the message at once', async () => {
    const { handler, engine, visibility } = setup();
    const event = sqsEvent(request('s5'));
    const response = await handler(event, lambdaContext(500));
    expect(response.batchItemFailures).toHaveLength(1);
    expect(engine.syncs).toEqual([]);
    expect(visibility).toEqual([{ receiptHandle: event.Records[0]!.receiptHandle, seconds: 0 }]);
  });

  it('records a timeout for a sync still running when only the margin is left, before Lambda would stop it', async () => {
    const { handler, store, engine, visibility } = setup();
    let release!: () => void;
    engine.gate = new Promise<void>((resolve) => (release = resolve));
    const event = sqsEvent(request('s6'));
    const response = await handler(event, lambdaContext(1300));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect(await store.getSync('s6')).toMatchObject({ state: 'failed', error: { code: 'WORKER_TIMEOUT' } });
    expect(visibility[0]!.seconds).toBeGreaterThan(0);
    release();
  });

  it('a body that is not a sync request is logged and deleted rather than retried forever', async () => {
    const { handler, logs } = setup();
    const response = await handler(sqsEvent(request('s7'), { body: '{"hello":"world"}' }), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(logs).toContain('queue message is not a sync request; deleted');
    expect(parseSyncMessage('not json')).toBeUndefined();
    expect(parseSyncMessage(JSON.stringify(request('x')))).toMatchObject({ id: 'x', app: 'staging' });
  });

  it('still answers when shortening the wait fails (the message then shows after the visibility timeout)', async () => {
    const { engine, worker, logs } = setup();
    const handler = createWorkerHandler(async () => ({ ...worker, retryLater: async () => { throw new Error('sqs down'); } }), { marginMs: 1000 });
    engine.failNext('CLUSTER_UNAVAILABLE', true);
    const response = await handler(sqsEvent(request('s8')), lambdaContext());
    expect(response.batchItemFailures).toHaveLength(1);
    expect(logs.join('\n')).toContain('could not shorten the message wait');
  });
});
