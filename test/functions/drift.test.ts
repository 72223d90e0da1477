import { describe, expect, it } from 'vitest';
import { createDriftHandler } from '../../functions/drift.ts';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import type { SyncQueue, SyncRequest } from '../../src/ports/queue.ts';
import { silentLogger } from '../../src/service/engine.ts';
import { createLambdaDrift } from '../../src/wiring/lambda-drift.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { scheduledEvent } from '../support/lambda-events.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

function setup(driftChecks?: Parameters<typeof createLambdaDrift>[0]['driftChecks']) {
  const store = new MemoryStateStore();
  const sent: SyncRequest[] = [];
  const queue: SyncQueue = { enqueue: async (request) => void sent.push(request) };
  const engine = new FakeEngine();
  engine.refs.set('main', 'c'.repeat(40));
  const drift = createLambdaDrift({
    config: serviceConfig([appConfig('staging'), appConfig('production')]), store, queue, engine, log: silentLogger,
    secrets: createLocalSecretResolver({ baseDir: '/tmp', env: {} }),
    ...(driftChecks ? { driftChecks } : {}),
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

  it('hands the run to the drift fan-out when it is wired, and reports which apps it queued', async () => {
    const { handler } = setup(async (service) => service.apps().map((a) => a.name));
    expect((await handler(scheduledEvent())).driftChecks).toEqual(['staging', 'production']);
    const { handler: unwired } = setup();
    expect((await unwired(scheduledEvent())).driftChecks).toBeUndefined();
  });
});
