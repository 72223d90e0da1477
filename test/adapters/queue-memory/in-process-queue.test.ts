import { describe, expect, it } from 'vitest';
import { InProcessSyncQueue } from '../../../src/adapters/queue-memory/in-process-queue.ts';
import { mergeRequests } from '../../../src/queue/coalesce.ts';
import { DriftlessError } from '../../../src/core/errors.ts';
import type { SyncRequest } from '../../../src/ports/queue.ts';

let seq = 0;
const req = (app: string, extra: Partial<SyncRequest> = {}): SyncRequest => ({
  id: `r${++seq}`, app, trigger: { kind: 'poll' }, enqueuedAt: new Date().toISOString(), ...extra,
});
const tick = () => new Promise((r) => setImmediate(r));

describe('InProcessSyncQueue', () => {
  it('never runs two syncs of one app at once, but runs different apps in parallel', async () => {
    const running = new Map<string, number>();
    let maxPerApp = 0;
    let maxTotal = 0;
    const queue = new InProcessSyncQueue({
      concurrency: 4,
      run: async (r) => {
        running.set(r.app, (running.get(r.app) ?? 0) + 1);
        maxPerApp = Math.max(maxPerApp, ...running.values());
        maxTotal = Math.max(maxTotal, [...running.values()].reduce((a, b) => a + b, 0));
        await new Promise((res) => setTimeout(res, 5));
        running.set(r.app, running.get(r.app)! - 1);
      },
    });
    for (let i = 0; i < 5; i++) for (const app of ['a', 'b', 'c']) await queue.enqueue(req(app, { revision: `v${i}` }));
    await queue.idle();
    expect(maxPerApp).toBe(1);
    expect(maxTotal).toBeGreaterThan(1);
    expect(queue.stats()).toMatchObject({ runs: 15, pending: 0, running: 0 });
  });

  it('coalesces a burst of 50 pushes into at most two syncs, the last one for the newest commit', async () => {
    const ran: SyncRequest[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const coalesced: Array<[string, string]> = [];
    const queue = new InProcessSyncQueue({
      run: async (r) => {
        ran.push(r);
        if (ran.length === 1) await gate;
      },
      onCoalesced: (dropped, into) => void coalesced.push([dropped.id, into.id]),
    });
    for (let i = 1; i <= 50; i++) await queue.enqueue(req('web', { atLeast: `sha${i}`, trigger: { kind: 'push', delivery: `d${i}` } }));
    release();
    await queue.idle();
    expect(ran.length).toBeLessThanOrEqual(2);
    expect(ran.at(-1)!.atLeast).toBe('sha50');
    expect(ran.at(-1)!.trigger).toEqual({ kind: 'push', delivery: 'd50' });
    expect(coalesced).toHaveLength(50 - ran.length);
    expect(queue.stats().coalesced).toBe(50 - ran.length);
  });

  it('keeps explicit revisions in the order asked and never folds them into head syncs', async () => {
    const order: string[] = [];
    const queue = new InProcessSyncQueue({ run: async (r) => void order.push(r.revision ?? `head:${r.atLeast}`) });
    await queue.enqueue(req('web', { atLeast: '1' }));
    await queue.enqueue(req('web', { revision: 'v1' }));
    await queue.enqueue(req('web', { atLeast: '2' }));
    await queue.enqueue(req('web', { atLeast: '3' }));
    await queue.enqueue(req('web', { revision: 'v0' }));
    await queue.idle();
    expect(order).toEqual(['head:1', 'v1', 'head:3', 'v0']);
  });

  it('retries transient failures with backoff and records permanent ones once', async () => {
    const delays: number[] = [];
    const failed: Array<[string, string]> = [];
    let attempts = 0;
    const queue = new InProcessSyncQueue({
      retry: { attempts: 4, baseMs: 10, maxMs: 100 },
      sleep: async (ms) => void delays.push(ms),
      onFailed: (r, e) => void failed.push([r.app, (e as DriftlessError).code]),
      run: async (r) => {
        if (r.app === 'flaky' && ++attempts < 3) throw new DriftlessError('CLUSTER_UNAVAILABLE', '503', { transient: true });
        if (r.app === 'broken') throw new DriftlessError('RENDER_FAILED', 'bad yaml');
      },
    });
    await queue.enqueue(req('flaky'));
    await queue.enqueue(req('broken'));
    await queue.idle();
    expect(attempts).toBe(3);
    expect(delays).toHaveLength(2);
    expect(failed).toEqual([['broken', 'RENDER_FAILED']]);
    expect(queue.stats()).toMatchObject({ retries: 2, failed: 1 });
  });

  it('gives up on a transient failure after the policy and honours Retry-After', async () => {
    const delays: number[] = [];
    const failed: string[] = [];
    const queue = new InProcessSyncQueue({
      retry: { attempts: 3, baseMs: 10, maxMs: 100 },
      sleep: async (ms) => void delays.push(ms),
      onFailed: (r) => void failed.push(r.id),
      run: async () => { throw new DriftlessError('RATE_LIMITED', '429', { transient: true, retryAfterMs: 70 }); },
    });
    const r = req('web');
    await queue.enqueue(r);
    await queue.idle();
    expect(delays).toEqual([70, 70]);
    expect(failed).toEqual([r.id]);
  });

  it('close() without drain drops pending work and refuses new work', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ran: string[] = [];
    const queue = new InProcessSyncQueue({ run: async (r) => { ran.push(r.revision!); await gate; } });
    await queue.enqueue(req('web', { revision: 'a' }));
    await queue.enqueue(req('web', { revision: 'b' }));
    await tick();
    const closing = queue.close();
    release();
    await closing;
    expect(ran).toEqual(['a']);
    await expect(queue.enqueue(req('web'))).rejects.toThrow(/closed/);
  });
});

describe('mergeRequests', () => {
  it('drops the resolve condition when either request needs none', () => {
    const a = req('web', { onlyIfChanged: { from: '1', to: '2' } });
    expect(mergeRequests(a, req('web', { onlyIfChanged: { from: '2', to: '3' } }))?.onlyIfChanged).toEqual({ from: '1', to: '3' });
    expect(mergeRequests(a, req('web'))?.onlyIfChanged).toBeUndefined();
    expect(mergeRequests(a, req('web', { dryRun: true }))).toBeUndefined();
    expect(mergeRequests(a, req('api'))).toBeUndefined();
  });
});
