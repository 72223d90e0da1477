import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotificationDispatcher } from '../../src/adapters/notifications/dispatcher.ts';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import type { AppConfig } from '../../src/config/types.ts';
import type { EngineSyncOutcome, EngineSyncRequest } from '../../src/service/engine.ts';
import type { NotificationEvent, Notifier } from '../../src/ports/notifier.ts';
import { handleDriftReport } from '../../src/service/drift.ts';
import { createInProcessService } from '../../src/wiring/in-process.ts';
import { driftReport } from '../support/drift-reports.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { sha } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

/** FakeEngine whose next syncs can end Degraded. */
class HealthEngine extends FakeEngine {
  degraded = 0;
  override async sync(app: AppConfig, request: EngineSyncRequest): Promise<EngineSyncOutcome> {
    const outcome = await super.sync(app, request);
    if (this.degraded > 0) {
      this.degraded--;
      outcome.result = { ...outcome.result, status: 'Degraded', health: 'Degraded', errors: [{ code: 'HEALTH_FAILED', message: 'Deployment shop/web: 0 of 2 replicas available' }] };
    }
    return outcome;
  }
}

function setup(notifier: Notifier) {
  const apps = [appConfig('web', { selfHeal: true })];
  const engine = new HealthEngine();
  engine.refs.set('main', sha(3));
  const store = new MemoryStateStore();
  const { service, queue } = createInProcessService({ config: serviceConfig(apps), store, engine, notifier }, { sleep: async () => {}, retry: { attempts: 2, baseMs: 1, maxMs: 2 } });
  const sync = async () => {
    const record = await service.requestSync('web', {}, 'alice');
    await queue.idle();
    return (await store.getSync(record.id))!;
  };
  const drift = (report: ReturnType<typeof driftReport>) => handleDriftReport(service.ctx, apps[0]!, report).then(async (r) => (await queue.idle(), r));
  return { service, queue, store, engine, sync, drift };
}

const servers: Server[] = [];
afterEach(async () => void (await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))));

describe('notifications on state changes', () => {
  it('announces sync failed once, health degraded, and recovery; never a steady state', async () => {
    const events: NotificationEvent[] = [];
    const { engine, sync } = setup({ notify: (e) => void events.push(e) });
    await sync();
    expect(events).toEqual([]);
    engine.failNext('RENDER_FAILED', false);
    await sync();
    engine.failNext('RENDER_FAILED', false);
    await sync();
    expect(events.map((e) => e.event)).toEqual(['sync-failed']);
    expect(events[0]).toMatchObject({ app: 'web', message: 'RENDER_FAILED injected', summary: 'web failed to sync' });
    await sync();
    await sync();
    expect(events.map((e) => e.event)).toEqual(['sync-failed', 'sync-recovered']);
    engine.degraded = 2;
    await sync();
    await sync();
    expect(events.map((e) => e.event)).toEqual(['sync-failed', 'sync-recovered', 'health-degraded']);
    expect(events[2]).toMatchObject({ revision: { ref: 'main', sha: sha(3) }, message: expect.stringContaining('0 of 2 replicas') });
    await sync();
    expect(events.map((e) => e.event).at(-1)).toBe('sync-recovered');
  });

  it('a failure after retries are exhausted (transient) is announced once too', async () => {
    const events: NotificationEvent[] = [];
    const { engine, sync } = setup({ notify: (e) => void events.push(e) });
    engine.failNext('CLUSTER_UNAVAILABLE', true);
    engine.failNext('CLUSTER_UNAVAILABLE', true);
    expect((await sync()).state).toBe('failed');
    expect(events.map((e) => e.event)).toEqual(['sync-failed']);
  });

  it('announces drift opened and closed on transitions only (Unknown in between changes nothing), and a heal suspension', async () => {
    const events: NotificationEvent[] = [];
    const { drift } = setup({ notify: (e) => void events.push(e) });
    await drift(driftReport('web', 'Synced'));
    expect(events).toEqual([]);
    await drift(driftReport('web', 'OutOfSync'));
    await drift(driftReport('web', 'Unknown'));
    await drift(driftReport('web', 'OutOfSync'));
    expect(events.filter((e) => e.event.startsWith('drift')).map((e) => e.event)).toEqual(['drift-opened']);
    expect(events[0]).toMatchObject({ app: 'web', objects: 1 });
    await drift(driftReport('web', 'Synced'));
    expect(events.filter((e) => e.event.startsWith('drift')).map((e) => e.event)).toEqual(['drift-opened', 'drift-closed']);
  });

  it('announces heal-suspended once when self-heal gives up', async () => {
    const events: NotificationEvent[] = [];
    const { drift, store } = setup({ notify: (e) => void events.push(e) });
    for (let i = 0; i < 6; i++) await drift(driftReport('web', 'OutOfSync'));
    expect((await store.getAppStatus('web'))?.heal?.suspended).toBeDefined();
    const suspended = events.filter((e) => e.event === 'heal-suspended');
    expect(suspended).toHaveLength(1);
    expect(suspended[0]).toMatchObject({ managers: ['kubectl-edit'] });
  });

  it('a dead sink and a throwing notifier never fail a sync or a drift run', async () => {
    const throwing = setup({ notify: () => { throw new Error('boom'); } });
    throwing.engine.failNext('RENDER_FAILED', false);
    expect((await throwing.sync()).state).toBe('failed');
    expect((await throwing.sync()).state).toBe('succeeded');
    await expect(throwing.drift(driftReport('web', 'OutOfSync'))).resolves.toMatchObject({ status: 'OutOfSync' });

    // A real dispatcher whose only sink refuses connections.
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/hook`;
    await new Promise((resolve) => dead.close(resolve));
    const store = new MemoryStateStore();
    const dispatcher = createNotificationDispatcher({
      sinks: [{ kind: 'webhook', url, secret: { env: 'X' } }], secrets: { resolve: async () => 'key' }, store,
      log: { info: () => {}, warn: () => {}, error: () => {} }, policy: { attempts: 2, baseMs: 1, maxMs: 2 },
    });
    const apps = [appConfig('web')];
    const engine = new FakeEngine();
    engine.refs.set('main', sha(3));
    const { service, queue } = createInProcessService({ config: serviceConfig(apps), store, engine, notifier: dispatcher }, { sleep: async () => {} });
    engine.failNext('RENDER_FAILED', false);
    const record = await service.requestSync('web', {}, 'alice');
    await queue.idle();
    await dispatcher.idle();
    expect((await store.getSync(record.id))?.state).toBe('failed');
    const second = await service.requestSync('web', {}, 'alice');
    await queue.idle();
    await dispatcher.idle();
    expect((await store.getSync(second.id))?.state).toBe('succeeded');
    expect(await service.listNotifications()).toEqual([
      expect.objectContaining({ event: 'sync-recovered', state: 'failed', error: 'connection failed (ECONNREFUSED)', attempts: 2 }),
      expect.objectContaining({ event: 'sync-failed', state: 'failed', attempts: 2 }),
    ]);
  });
});
