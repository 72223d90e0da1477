import { describe, expect, it } from 'vitest';
import { createDriftHandler } from '../../functions/drift.ts';
import { createWorkerHandler, parseQueueMessage, parseSyncMessage } from '../../functions/worker.ts';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import { DriftlessError } from '../../src/core/errors.ts';
import type { DriftCheck } from '../../src/drift/runner.ts';
import type { DriftCheckRequest, SyncQueue, SyncRequest } from '../../src/ports/queue.ts';
import { createLambdaDrift } from '../../src/wiring/lambda-drift.ts';
import { driftReport, syncedSha } from '../support/drift-reports.ts';
import type { Logger } from '../../src/service/engine.ts';
import { createLambdaWorker, type LambdaWorker } from '../../src/wiring/lambda-worker.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { lambdaContext, scheduledEvent, sqsEvent } from '../support/lambda-events.ts';
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

  it('a heal message without its revision is recorded as skipped, never run as a sync of the branch head', async () => {
    const { handler, store, engine } = setup();
    const response = await handler(sqsEvent(request('h1', { trigger: { kind: 'heal', checkedAt: '2026-12-02T07:59:00.000Z' } })), lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(engine.syncs).toEqual([]);
    expect(await store.getSync('h1')).toMatchObject({ state: 'skipped', reason: expect.stringContaining('names none') });
  });

  it('with too little time on the last receive, the failure is recorded before SQS dead-letters the message', async () => {
    const { handler, store, engine } = setup();
    const event = sqsEvent(request('s5b'), { receiveCount: 3 });
    expect((await handler(event, lambdaContext(500))).batchItemFailures).toHaveLength(1);
    expect(engine.syncs).toEqual([]);
    expect(await store.getSync('s5b')).toMatchObject({ state: 'failed', error: { code: 'WORKER_TIMEOUT' } });
    expect((await store.getAppStatus('staging'))?.status).toBe('Failed');
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

  it('a failure that cannot be recorded (the store is down) comes back after a back-off instead of failing the invocation', async () => {
    const { engine, worker, visibility, logs } = setup();
    const handler = createWorkerHandler(async () => ({ ...worker, recordFailure: async () => { throw new DriftlessError('STATE_UNAVAILABLE', 'the table is throttled', { transient: true }); } }), { marginMs: 1000, random: () => 0.5 });
    let release!: () => void;
    engine.gate = new Promise<void>((resolve) => (release = resolve));
    const event = sqsEvent(request('s6b'));
    const response = await handler(event, lambdaContext(1300));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect(visibility).toEqual([{ receiptHandle: event.Records[0]!.receiptHandle, seconds: 23 }]);
    expect(logs).toContain('could not handle the queue message; retried later');
    release();
  });

  it('a body that is not a sync request is logged and deleted rather than retried forever', async () => {
    const { handler, logs } = setup();
    const response = await handler(sqsEvent(request('s7'), { body: '{"hello":"world"}' }), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(logs).toContain('queue message is neither a sync request nor a drift check; deleted');
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

function driftSetup(check: DriftCheck) {
  const store = new MemoryStateStore();
  const sent: SyncRequest[] = [];
  const checks: DriftCheckRequest[] = [];
  const queue: SyncQueue = { enqueue: async (r) => void sent.push(r), enqueueDriftCheck: async (r) => void checks.push(r) };
  const engine = new FakeEngine();
  engine.refs.set('main', syncedSha);
  const visibility: number[] = [];
  let flushes = 0;
  const config = serviceConfig([appConfig('staging', { selfHeal: true }), appConfig('production')]);
  const secrets = createLocalSecretResolver({ baseDir: '/tmp', env: {} });
  const base = createLambdaWorker({
    config, store, queue, engine, reporting: false, log: silentLog, maxReceiveCount: 3, secrets, driftCheck: check, driftNotifier: false,
    retryLater: async (_handle, seconds) => void visibility.push(seconds),
  });
  const handler = createWorkerHandler(async () => ({ ...base, flush: async () => void flushes++ }), { marginMs: 1000, random: () => 0.5 });
  const drift = createLambdaDrift({ config, store, queue, engine, log: silentLog, secrets });
  return { handler, schedule: createDriftHandler(async () => drift), store, sent, checks, visibility, flushes: () => flushes };
}

const silentLog: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const synced = async (store: MemoryStateStore) => {
  for (const app of ['staging', 'production']) await store.updateAppStatus(app, { status: 'Synced', revision: { ref: 'main', sha: syncedSha } });
};

describe('functions/worker: a drift check message → the app\'s check, its report handled as in a drift run', () => {
  it('the schedule\'s message runs the check: report stored, self-heal queued, the check no longer pending', async () => {
    const checked: string[] = [];
    const { handler, schedule, store, sent, checks, flushes } = driftSetup(async (app) => (checked.push(app.name), driftReport(app.name, app.name === 'staging' ? 'OutOfSync' : 'Synced')));
    await synced(store);
    await schedule(scheduledEvent('2026-12-02T08:00:00Z'));
    expect(checks).toHaveLength(2);
    // While queued, the next schedule queues nothing more.
    expect((await schedule(scheduledEvent('2026-12-02T08:10:00Z'))).drift.pending.sort()).toEqual(['production', 'staging']);

    for (const check of checks.splice(0)) expect(await handler(sqsEvent(check), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(checked.sort()).toEqual(['production', 'staging']);
    expect(flushes()).toBe(2);
    const staging = (await store.listDriftReports('staging', 5))[0];
    expect(staging).toMatchObject({ status: 'OutOfSync', heal: { action: 'queued', revision: syncedSha } });
    expect((await store.listDriftReports('production', 5))[0]).toMatchObject({ status: 'Synced' });
    expect((await store.getAppStatus('staging'))?.drift).toMatchObject({ status: 'OutOfSync', objects: 1 });
    // Self-heal goes through the queue as an ordinary sync of the synced revision.
    expect(sent).toEqual([expect.objectContaining({ app: 'staging', trigger: { kind: 'heal', checkedAt: staging!.checkedAt }, revision: syncedSha })]);
    expect(await store.getLease('drift:staging')).toBeUndefined();
    expect((await schedule(scheduledEvent('2026-12-02T08:20:00Z'))).drift.queued.sort()).toEqual(['production', 'staging']);
  });

  it('a check that fails is an Unknown report, acknowledged (never a batch item failure)', async () => {
    const { handler, store, visibility } = driftSetup(async () => {
      throw new DriftlessError('CLUSTER_UNAVAILABLE', 'cluster local is unreachable', { transient: true });
    });
    const request: DriftCheckRequest = { kind: 'drift-check', id: 'k1', app: 'production', run: '2026-12-02T08:00:00Z', enqueuedAt: '2026-12-02T08:00:00.000Z' };
    await store.acquireLease('drift:production', 'k1', { now: request.enqueuedAt, expiresAt: '2026-12-02T09:00:00.000Z' });
    expect(await handler(sqsEvent(request), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect((await store.listDriftReports('production', 5))[0]).toMatchObject({ status: 'Unknown', reason: { code: 'CLUSTER_UNAVAILABLE' } });
    expect(visibility).toEqual([]);
    expect(await store.getLease('drift:production')).toBeUndefined();
  });

  it('the store failing transiently comes back after a back-off, still pending; on the last receive it is let go', async () => {
    const { handler, store, visibility } = driftSetup(async (app) => driftReport(app.name, 'Synced'));
    const request: DriftCheckRequest = { kind: 'drift-check', id: 'k2', app: 'production', run: '2026-12-02T08:00:00Z', enqueuedAt: '2026-12-02T08:00:00.000Z' };
    await store.acquireLease('drift:production', 'k2', { now: request.enqueuedAt, expiresAt: '2026-12-02T09:00:00.000Z' });
    const put = store.putDriftReport.bind(store);
    store.putDriftReport = async () => { throw new DriftlessError('STATE_UNAVAILABLE', 'the table is throttled', { transient: true }); };
    const event = sqsEvent(request, { receiveCount: 1 });
    expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] });
    expect(visibility).toEqual([23]);
    expect(await store.getLease('drift:production')).toMatchObject({ holder: 'k2' });

    expect(await handler(sqsEvent(request, { receiveCount: 3 }), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await store.getLease('drift:production')).toBeUndefined();
    store.putDriftReport = put;
  });

  it('a check still running when only the margin is left becomes an Unknown report, acknowledged, the next one allowed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { handler, store, visibility } = driftSetup(async (app) => (await gate, driftReport(app.name, 'Synced')));
    const request: DriftCheckRequest = { kind: 'drift-check', id: 'k3', app: 'production', run: '2026-12-02T08:00:00Z', enqueuedAt: '2026-12-02T08:00:00.000Z' };
    await store.acquireLease('drift:production', 'k3', { now: request.enqueuedAt, expiresAt: '2026-12-02T09:00:00.000Z' });
    expect(await handler(sqsEvent(request), lambdaContext(1300))).toEqual({ batchItemFailures: [] });
    expect((await store.listDriftReports('production', 5))[0]).toMatchObject({ status: 'Unknown', reason: { code: 'WORKER_TIMEOUT' } });
    expect(visibility).toEqual([]);
    expect(await store.getLease('drift:production')).toBeUndefined();
    release();
  });

  it('a drift check with too little time comes back, except on the last receive: Unknown, acknowledged, no longer pending', async () => {
    const { handler, store, visibility } = driftSetup(async (app) => driftReport(app.name, 'Synced'));
    const request: DriftCheckRequest = { kind: 'drift-check', id: 'k4', app: 'production', run: '2026-12-02T08:00:00Z', enqueuedAt: '2026-12-02T08:00:00.000Z' };
    await store.acquireLease('drift:production', 'k4', { now: request.enqueuedAt, expiresAt: '2026-12-02T09:00:00.000Z' });
    expect((await handler(sqsEvent(request, { receiveCount: 1 }), lambdaContext(500))).batchItemFailures).toHaveLength(1);
    expect(visibility).toEqual([0]);
    expect(await handler(sqsEvent(request, { receiveCount: 3 }), lambdaContext(500))).toEqual({ batchItemFailures: [] });
    expect((await store.listDriftReports('production', 5))[0]).toMatchObject({ status: 'Unknown', reason: { code: 'WORKER_TIMEOUT' } });
    expect(await store.getLease('drift:production')).toBeUndefined();
  });

  it('tells drift checks from syncs by kind and refuses a drift check without its run', () => {
    const check: DriftCheckRequest = { kind: 'drift-check', id: 'k', app: 'staging', run: 'r', enqueuedAt: '2026-12-02T08:00:00.000Z' };
    expect(parseQueueMessage(JSON.stringify(check))).toEqual(check);
    expect(parseQueueMessage(JSON.stringify({ ...check, run: undefined }))).toBeUndefined();
    expect(parseQueueMessage(JSON.stringify(request('x')))).toMatchObject({ id: 'x', trigger: { kind: 'push' } });
  });
});
