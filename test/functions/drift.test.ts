import { describe, expect, it } from 'vitest';
import { createDriftHandler } from '../../functions/drift.ts';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import type { DriftCheckRequest, SyncQueue, SyncRequest } from '../../src/ports/queue.ts';
import { silentLogger } from '../../src/service/engine.ts';
import { createLambdaDrift } from '../../src/wiring/lambda-drift.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { scheduledEvent } from '../support/lambda-events.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

const head = 'c'.repeat(40);

function setup(options: { driftPendingMs?: number; failDriftFor?: string } = {}) {
  const store = new MemoryStateStore();
  const sent: SyncRequest[] = [];
  const checks: DriftCheckRequest[] = [];
  const queue: SyncQueue = {
    enqueue: async (request) => void sent.push(request),
    enqueueDriftCheck: async (request) => {
      if (request.app === options.failDriftFor) throw new Error('sqs down');
      checks.push(request);
    },
  };
  const engine = new FakeEngine();
  engine.refs.set('main', head);
  let clock = Date.parse('2026-12-02T08:00:00Z');
  const drift = createLambdaDrift({
    config: serviceConfig([appConfig('staging'), appConfig('production')]), store, queue, engine, log: silentLogger,
    secrets: createLocalSecretResolver({ baseDir: '/tmp', env: {} }), now: () => new Date(clock),
    ...(options.driftPendingMs !== undefined ? { driftPendingMs: options.driftPendingMs } : {}),
  });
  const at = (iso: string) => void (clock = Date.parse(iso));
  return { handler: createDriftHandler(async () => drift), store, sent, checks, at };
}

const synced = async (store: MemoryStateStore, ...apps: string[]) => {
  for (const app of apps) await store.updateAppStatus(app, { status: 'Synced', revision: { ref: 'main', sha: head } });
};

describe('functions/drift: EventBridge schedule → branch heads and drift fan-out through the queue', () => {
  it('queues a head sync for each app whose branch moved, through the queue', async () => {
    const { handler, sent, store } = setup();
    await synced(store, 'production');
    const tick = await handler(scheduledEvent());
    expect(tick.polled).toEqual(['staging']);
    expect(sent).toEqual([expect.objectContaining({ app: 'staging', trigger: { kind: 'poll' }, atLeast: head })]);
  });

  it('never queues again for an app whose previous sync is still pending', async () => {
    const { handler, sent, at } = setup();
    await handler(scheduledEvent('2026-12-02T08:00:00Z'));
    expect(sent.map((r) => r.app).sort()).toEqual(['production', 'staging']);
    at('2026-12-02T08:10:00Z');
    const second = await handler(scheduledEvent('2026-12-02T08:10:00Z'));
    expect(second.polled).toEqual([]);
    expect(sent).toHaveLength(2);
  });

  it('queues one drift check per app, named by the scheduled run, and runs none itself', async () => {
    const { handler, store, checks } = setup();
    await synced(store, 'staging', 'production');
    const tick = await handler(scheduledEvent('2026-12-02T08:00:00Z'));
    expect(tick).toEqual({ polled: [], drift: { queued: expect.arrayContaining(['staging', 'production']) as string[], pending: [], failed: [] } });
    expect(checks.map((c) => c.app).sort()).toEqual(['production', 'staging']);
    expect(checks[0]).toEqual({ kind: 'drift-check', id: expect.any(String) as string, app: checks[0]!.app, run: '2026-12-02T08:00:00Z', enqueuedAt: '2026-12-02T08:00:00.000Z' });
    // No report: the worker checks.
    expect(await store.latestDriftReports()).toEqual([]);
    // Pending is held by the queued check's id.
    expect(await store.getLease(`drift:${checks[0]!.app}`)).toMatchObject({ holder: checks[0]!.id });
  });

  it('queues none for an app whose previous check is still pending, and again once it is taken as lost', async () => {
    const { handler, store, checks, at } = setup({ driftPendingMs: 30 * 60_000 });
    await synced(store, 'staging', 'production');
    await handler(scheduledEvent('2026-12-02T08:00:00Z'));
    // A worker finished production's check: its lease is given up.
    const production = checks.find((c) => c.app === 'production')!;
    await store.releaseLease('drift:production', production.id);

    at('2026-12-02T08:10:00Z');
    const second = await handler(scheduledEvent('2026-12-02T08:10:00Z'));
    expect(second.drift).toEqual({ queued: ['production'], pending: ['staging'], failed: [] });
    expect(checks.map((c) => `${c.app}@${c.run}`)).toEqual(expect.arrayContaining(['production@2026-12-02T08:10:00Z']));
    expect(checks).toHaveLength(3);

    // staging's check never finished: past its 30 minutes the next run queues another.
    at('2026-12-02T08:30:01Z');
    const late = await handler(scheduledEvent('2026-12-02T08:30:00Z'));
    expect(late.drift.queued).toContain('staging');
    expect(checks.filter((c) => c.app === 'staging')).toHaveLength(2);
  });

  it('a check the queue refused is not pending: the next run queues it', async () => {
    const { handler, store, checks, at } = setup({ failDriftFor: 'staging' });
    await synced(store, 'staging', 'production');
    const tick = await handler(scheduledEvent('2026-12-02T08:00:00Z'));
    expect(tick.drift).toEqual({ queued: ['production'], pending: [], failed: ['staging'] });
    expect(await store.getLease('drift:staging')).toBeUndefined();
    expect(checks.map((c) => c.app)).toEqual(['production']);
    at('2026-12-02T08:10:00Z');
    expect((await handler(scheduledEvent('2026-12-02T08:10:00Z'))).drift.failed).toEqual(['staging']);
  });

  it('refuses a queue that cannot carry drift checks, naming the reason', async () => {
    const drift = createLambdaDrift({
      config: serviceConfig([appConfig('staging')]), store: new MemoryStateStore(), queue: { enqueue: async () => {} }, engine: new FakeEngine(), log: silentLogger,
      secrets: createLocalSecretResolver({ baseDir: '/tmp', env: {} }),
    });
    await expect(createDriftHandler(async () => drift)(scheduledEvent())).rejects.toThrow(/cannot carry drift checks/);
  });
});
