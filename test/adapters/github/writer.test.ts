import { describe, expect, it } from 'vitest';
import { createThrottledWriter } from '../../../src/adapters/github/writer.ts';

function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

const httpError = (status: number, headers: Record<string, string>, message = 'x'): Error => Object.assign(new Error(message), { status, response: { headers } });

describe('ThrottledWriter', () => {
  it('writes serially, at most N writes per window', async () => {
    const clock = fakeClock();
    const writer = createThrottledWriter({ writesPerWindow: 3, windowMs: 1000, ...clock });
    const at: number[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const results = await Promise.all(Array.from({ length: 7 }, (_, i) => writer.write({
      label: `w${i}`,
      run: async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        at.push(clock.now());
        await Promise.resolve();
        concurrent--;
        return i;
      },
    })));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(maxConcurrent).toBe(1);
    const t0 = at[0]!;
    expect(at.map((t) => t - t0)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('pauses the whole queue for retry-after on a secondary rate limit, then retries the write', async () => {
    const clock = fakeClock();
    const writer = createThrottledWriter({ ...clock });
    let calls = 0;
    const first = writer.write({
      label: 'a',
      run: async () => {
        calls++;
        if (calls === 1) throw httpError(403, { 'retry-after': '30' }, 'You have exceeded a secondary rate limit');
        return 'ok';
      },
    });
    const second = writer.write({ label: 'b', run: async () => clock.now() });
    const started = clock.now();
    expect(await first).toBe('ok');
    expect((await second)! - started).toBeGreaterThanOrEqual(30_000);
    expect(clock.slept).toEqual([30_000]);
    expect(writer.stats()).toEqual({ written: 2, dropped: 0, retried: 1 });
  });

  it('waits for x-ratelimit-reset on a primary limit and fails permanent errors without retrying', async () => {
    const clock = fakeClock();
    const writer = createThrottledWriter({ ...clock });
    let calls = 0;
    const reset = String(Math.floor(clock.now() / 1000) + 20);
    const ok = await writer.write({ label: 'p', run: async () => (++calls === 1 ? Promise.reject(httpError(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset })) : 'done') });
    expect(ok).toBe('done');
    expect(clock.slept[0]).toBeGreaterThanOrEqual(19_000);
    await expect(writer.write({ label: 'bad', run: () => Promise.reject(httpError(422, {}, 'Validation Failed')) })).rejects.toThrow('Validation Failed');
    expect(writer.stats().retried).toBe(1);
  });

  it('drops a queued pending status when a later status for the same key arrives', async () => {
    const clock = fakeClock();
    const writer = createThrottledWriter({ ...clock });
    const sent: string[] = [];
    let release!: () => void;
    let running!: () => void;
    const blockerRunning = new Promise<void>((r) => (running = r));
    const blocker = writer.write({ label: 'block', run: () => new Promise<void>((r) => { release = r; running(); }) });
    const pending = writer.write({ label: 'pending', key: 's:abc:driftless/web', supersedable: true, run: async () => sent.push('pending') });
    const other = writer.write({ label: 'other', key: 's:abc:driftless/api', supersedable: true, run: async () => sent.push('other') });
    const final = writer.write({ label: 'success', key: 's:abc:driftless/web', run: async () => sent.push('success') });
    await blockerRunning;
    expect(writer.queued).toBe(2);
    release();
    await blocker;
    expect(await pending).toBeUndefined();
    await Promise.all([other, final]);
    await writer.idle();
    expect(sent).toEqual(['other', 'success']);
    expect(writer.stats()).toMatchObject({ dropped: 1, written: 3 });
  });
});
