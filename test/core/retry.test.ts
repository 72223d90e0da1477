import { describe, expect, it } from 'vitest';
import { backoffMs, isTransientNetworkError, isTransientStatus, parseRetryAfter, withRetry, type TransientVerdict } from '../../src/core/retry.ts';

class HttpError extends Error {
  constructor(readonly status: number, readonly retryAfterMs?: number) {
    super(`HTTP ${status}`);
  }
}

const classify = (err: unknown): TransientVerdict =>
  err instanceof HttpError ? { transient: isTransientStatus(err.status), ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) } : { transient: false };

function failing(...errors: HttpError[]): { fn: () => Promise<string>; calls: () => number } {
  let n = 0;
  return {
    fn: async () => {
      const err = errors[n++];
      if (err) throw err;
      return 'ok';
    },
    calls: () => n,
  };
}

describe('retry policy', () => {
  it('treats 429, 408 and most 5xx as transient; 4xx, 501 and 505 as final', () => {
    expect([429, 408, 500, 502, 503, 504].map(isTransientStatus)).toEqual([true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 409, 422, 501, 505].map(isTransientStatus)).toEqual([false, false, false, false, false, false, false, false]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:10 GMT', Date.parse('Wed, 25 Nov 2026 12:00:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('sees resets and timeouts through error causes', () => {
    expect(isTransientNetworkError(new Error('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toBe(true);
    expect(isTransientNetworkError(new Error('nope'))).toBe(false);
  });

  it('backs off with full jitter below an exponential ceiling', () => {
    const policy = { attempts: 5, baseMs: 100, maxMs: 1000 };
    expect(backoffMs(0, policy, () => 0.999)).toBe(99);
    expect(backoffMs(3, policy, () => 0.5)).toBe(400);
    expect(backoffMs(10, policy, () => 0.999)).toBe(999);
  });

  it('retries transient failures, honouring Retry-After, and returns the eventual result', async () => {
    const waits: number[] = [];
    const { fn, calls } = failing(new HttpError(503), new HttpError(429, 1500));
    const result = await withRetry(fn, { classify, sleep: async (ms) => void waits.push(ms), random: () => 0.5 });
    expect(result).toBe('ok');
    expect(calls()).toBe(3);
    expect(waits).toEqual([100, 1500]);
  });

  it('does not retry a permanent failure', async () => {
    const { fn, calls } = failing(new HttpError(422));
    await expect(withRetry(fn, { classify, sleep: async () => {} })).rejects.toMatchObject({ status: 422 });
    expect(calls()).toBe(1);
  });

  it('gives up after the policy attempts', async () => {
    const { fn, calls } = failing(new HttpError(500), new HttpError(500), new HttpError(500));
    await expect(withRetry(fn, { classify, policy: { attempts: 3, baseMs: 1, maxMs: 10 }, sleep: async () => {} })).rejects.toMatchObject({ status: 500 });
    expect(calls()).toBe(3);
  });

  it('fails at once when the server asks for a longer wait than the policy would ever take', async () => {
    const { fn, calls } = failing(new HttpError(429, 10 * 60_000));
    await expect(withRetry(fn, { classify, sleep: async () => {} })).rejects.toMatchObject({ status: 429 });
    expect(calls()).toBe(1);
  });
});
