import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import { createInProcessService } from '../../src/wiring/in-process.ts';
import { pollOnce, startPoller } from '../../src/service/poller.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { sha } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

afterEach(() => void vi.useRealTimers());

describe('startPoller', () => {
  it('polls every interval ± 20 % jitter until stopped', async () => {
    vi.useFakeTimers();
    const engine = new FakeEngine();
    engine.refs.set('main', sha(1));
    const { service, queue } = createInProcessService({ config: serviceConfig([appConfig('web')]), store: new MemoryStateStore(), engine });
    const poller = startPoller(service.ctx, 1000, () => 0);
    await vi.advanceTimersByTimeAsync(799);
    expect(engine.syncs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await queue.idle();
    expect(engine.syncs).toHaveLength(1);
    engine.refs.set('main', sha(2));
    await vi.advanceTimersByTimeAsync(800);
    await queue.idle();
    expect(engine.syncs.map((s) => s.request.revision.sha)).toEqual([sha(1), sha(2)]);
    poller.stop();
    engine.refs.set('main', sha(3));
    await vi.advanceTimersByTimeAsync(5000);
    expect(engine.syncs).toHaveLength(2);
  });
});

describe('pollOnce', () => {
  it('one app whose status cannot be read is logged; the other apps are still polled', async () => {
    const engine = new FakeEngine();
    engine.refs.set('main', sha(1));
    const store = new MemoryStateStore();
    const read = store.getAppStatus.bind(store);
    store.getAppStatus = async (app) => {
      if (app === 'api') throw new Error('the table is throttled');
      return read(app);
    };
    const warnings: string[] = [];
    const log = { info: () => {}, warn: (m: string) => void warnings.push(m), error: () => {} };
    const { service, queue } = createInProcessService({ config: serviceConfig([appConfig('api'), appConfig('web')]), store, engine, log });
    expect(await pollOnce(service.ctx)).toEqual(['web']);
    await queue.idle();
    expect(engine.syncs.map((s) => s.app)).toEqual(['web']);
    expect(warnings).toContain('poll failed');
  });
});
