import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import type { DriftCheckRequest, SyncQueue } from '../../src/ports/queue.ts';
import { driftLeaseName } from '../../src/service/drift-fanout.ts';
import { DriftlessService } from '../../src/service/service.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

function setup(apps: number) {
  const store = new MemoryStateStore();
  const sent: DriftCheckRequest[] = [];
  let inFlight = 0;
  let most = 0;
  const queue: SyncQueue = {
    enqueue: async () => {},
    enqueueDriftCheck: async (r) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      sent.push(r);
    },
  };
  const config = serviceConfig(Array.from({ length: apps }, (_, i) => appConfig(`app-${i}`)));
  const service = new DriftlessService({ config, store, queue, engine: new FakeEngine(), now: () => new Date('2026-12-02T08:00:00Z') });
  return { service, store, sent, most: () => most };
}

describe('queueDriftChecks: the schedule\'s fan-out', () => {
  it('queues every app of hundreds a few at a time, each holding its own pending lease', async () => {
    const { service, store, sent, most } = setup(300);
    const out = await service.queueDriftChecks('2026-12-02T08:00:00Z', 30 * 60_000, 8);
    expect(out.queued).toHaveLength(300);
    expect(new Set(sent.map((r) => r.app)).size).toBe(300);
    expect(most()).toBeLessThanOrEqual(8);
    expect(most()).toBeGreaterThan(1);
    expect(await store.getLease(driftLeaseName('app-7'))).toEqual({ name: 'drift:app-7', holder: sent.find((r) => r.app === 'app-7')!.id, expiresAt: '2026-12-02T08:30:00.000Z' });
  });

  it('an app whose lease the store cannot take is reported failed, the others still queued', async () => {
    const { service, store, sent } = setup(3);
    const acquire = store.acquireLease.bind(store);
    store.acquireLease = async (name, holder, times) => {
      if (name === 'drift:app-1') throw new Error('throttled');
      return acquire(name, holder, times);
    };
    const out = await service.queueDriftChecks('run', 60_000);
    expect({ ...out, queued: out.queued.sort() }).toEqual({ queued: ['app-0', 'app-2'], pending: [], failed: ['app-1'] });
    expect(sent.map((r) => r.app).sort()).toEqual(['app-0', 'app-2']);
  });

  it('a worker finishing a check frees the app, but only for the check that holds it', async () => {
    const { service, store, sent } = setup(1);
    await service.queueDriftChecks('run-1', 60_000);
    await service.releaseDriftCheck({ ...sent[0]!, id: 'someone-else' });
    expect(await store.getLease('drift:app-0')).toBeDefined();
    await service.releaseDriftCheck(sent[0]!);
    expect(await store.getLease('drift:app-0')).toBeUndefined();
  });
});
