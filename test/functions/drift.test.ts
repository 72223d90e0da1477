import { describe, expect, it } from 'vitest';
import { createDriftHandler } from '../../functions/drift.ts';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import type { SyncQueue, SyncRequest } from '../../src/ports/queue.ts';
import { silentLogger } from '../../src/service/engine.ts';
import { createLambdaDrift } from '../../src/wiring/lambda-drift.ts';
import type { DriftCheck } from '../../src/drift/runner.ts';
import { driftReport } from '../support/drift-reports.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { scheduledEvent } from '../support/lambda-events.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

function setup(driftCheck?: DriftCheck, selfHeal = false) {
  const store = new MemoryStateStore();
  const sent: SyncRequest[] = [];
  const queue: SyncQueue = { enqueue: async (request) => void sent.push(request) };
  const engine = new FakeEngine();
  engine.refs.set('main', 'c'.repeat(40));
  const drift = createLambdaDrift({
    config: serviceConfig([appConfig('staging', { selfHeal }), appConfig('production')]), store, queue, engine, log: silentLogger,
    secrets: createLocalSecretResolver({ baseDir: '/tmp', env: {} }),
    ...(driftCheck ? { driftCheck, driftNotifier: false as const } : {}),
  });
  return { handler: createDriftHandler(async () => drift), store, sent };
}

describe('functions/drift: EventBridge schedule → branch heads and drift fan-out through the queue', () => {
  it('queues a head sync for each app whose branch moved, through the queue', async () => {
    const { handler, sent, store } = setup();
    await store.updateAppStatus('production', { status: 'Synced', revision: { ref: 'main', sha: 'c'.repeat(40) } });
    const tick = await handler(scheduledEvent());
    expect(tick.polled).toEqual(['staging']);
    expect(sent).toEqual([expect.objectContaining({ app: 'staging', trigger: { kind: 'poll' }, atLeast: 'c'.repeat(40) })]);
  });

  it('never queues again for an app whose previous sync is still pending', async () => {
    const { handler, sent } = setup();
    await handler(scheduledEvent('2026-12-02T08:00:00Z'));
    expect(sent.map((r) => r.app).sort()).toEqual(['production', 'staging']);
    const second = await handler(scheduledEvent('2026-12-02T08:10:00Z'));
    expect(second.polled).toEqual([]);
    expect(sent).toHaveLength(2);
  });

  it('runs the drift checks when wired: reports stored, self-heal queued as a sync, summarized by status', async () => {
    const checked: string[] = [];
    const { handler, store, sent } = setup(async (app) => {
      checked.push(app.name);
      return driftReport(app.name, app.name === 'staging' ? 'OutOfSync' : 'Synced');
    });
    // Both apps synced at the head: the branch-head check queues nothing, so only drift is at work.
    for (const app of ['staging', 'production']) await store.updateAppStatus(app, { status: 'Synced', revision: { ref: 'main', sha: 'c'.repeat(40) } });
    const tick = await handler(scheduledEvent());
    expect(tick.polled).toEqual([]);
    expect(checked.sort()).toEqual(['production', 'staging']);
    expect(tick.drift).toEqual({ checked: 2, byStatus: { OutOfSync: 1, Synced: 1 }, healsQueued: 0 });
    expect((await store.listDriftReports('staging', 5))[0]).toMatchObject({ status: 'OutOfSync' });
    expect(sent).toEqual([]);
  });

  it('self-heal of a drifted app goes through the queue as an ordinary sync of the synced revision', async () => {
    const { handler, store, sent } = setup(async (app) => driftReport(app.name, app.name === 'staging' ? 'OutOfSync' : 'Synced', { revision: { ref: 'main', sha: 'c'.repeat(40) } }), true);
    for (const app of ['staging', 'production']) await store.updateAppStatus(app, { status: 'Synced', revision: { ref: 'main', sha: 'c'.repeat(40) } });
    const tick = await handler(scheduledEvent());
    expect(tick.drift?.healsQueued).toBe(1);
    expect(sent).toEqual([expect.objectContaining({ app: 'staging', trigger: expect.objectContaining({ kind: 'heal' }), revision: 'c'.repeat(40) })]);
  });

  it('without a drift check it checks branch heads only', async () => {
    const { handler } = setup();
    expect((await handler(scheduledEvent())).drift).toBeUndefined();
  });
});
