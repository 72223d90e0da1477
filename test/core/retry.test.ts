import { describe, expect, it } from 'vitest';
import { DriftlessError } from '../../src/core/errors.ts';
import { backoffMs, classify, isTransientNetworkError, isTransientStatus, nextAttempt, parseRetryAfter, withRetry, type TransientVerdict } from '../../src/core/retry.ts';

/** An HTTP client's error as Octokit shapes it: status and response headers. */
class HttpError extends Error {
  readonly response: { headers: Record<string, string> };
  constructor(readonly status: number, retryAfterMs?: number) {
    super(`HTTP ${status}`);
    this.response = { headers: retryAfterMs !== undefined ? { 'retry-after': String(retryAfterMs / 1000) } : {} };
  }
}

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
    const result = await withRetry(fn, { sleep: async (ms) => void waits.push(ms), random: () => 0.5 });
    expect(result).toBe('ok');
    expect(calls()).toBe(3);
    expect(waits).toEqual([100, 1500]);
  });

  it('does not retry a permanent failure', async () => {
    const { fn, calls } = failing(new HttpError(422));
    await expect(withRetry(fn, { sleep: async () => {} })).rejects.toMatchObject({ status: 422 });
    expect(calls()).toBe(1);
  });

  it('gives up after the policy attempts', async () => {
    const { fn, calls } = failing(new HttpError(500), new HttpError(500), new HttpError(500));
    await expect(withRetry(fn, { policy: { attempts: 3, baseMs: 1, maxMs: 10 }, sleep: async () => {} })).rejects.toMatchObject({ status: 500 });
    expect(calls()).toBe(3);
  });

  it('fails at once when the server asks for a longer wait than the policy would ever take', async () => {
    const { fn, calls } = failing(new HttpError(429, 10 * 60_000));
    await expect(withRetry(fn, { sleep: async () => {} })).rejects.toMatchObject({ status: 429 });
    expect(calls()).toBe(1);
  });
});

describe('classify: the one transient/permanent decision', () => {
  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  const httpErr = (status: number, headers: Record<string, string> = {}) => Object.assign(new Error(`HTTP ${status}`), { status, response: { headers } });
  const awsErr = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? 'server' : 'client' });
  const cases: Array<[string, unknown, TransientVerdict]> = [
    ['transient DriftlessError', new DriftlessError('CLUSTER_UNAVAILABLE', 'x', { transient: true }), { transient: true }],
    ['transient DriftlessError with retryAfterMs', new DriftlessError('RATE_LIMITED', 'x', { transient: true, retryAfterMs: 1500 }), { transient: true, retryAfterMs: 1500 }],
    ['permanent DriftlessError ignores retryAfterMs', new DriftlessError('APPLY_FAILED', 'x', { retryAfterMs: 10 }), { transient: false }],
    ['GitHub 404 mapped as permanent', new DriftlessError('SOURCE_UNAVAILABLE', 'x', { status: 404, transient: false }), { transient: false }],
    ['kustomize timeout', new DriftlessError('RENDER_FAILED', 'timed out', { transient: true }), { transient: true }],
    ['network reset', reset, { transient: true }],
    ['reset behind a cause', new Error('fetch failed', { cause: reset }), { transient: true }],
    ['programming error', new TypeError('x is not a function'), { transient: false }],
    ['not an object', 'boom', { transient: false }],
    ['unmapped HTTP 503 with Retry-After', httpErr(503, { 'retry-after': '4' }), { transient: true, retryAfterMs: 4000 }],
    ['unmapped HTTP 429', httpErr(429), { transient: true }],
    ['unmapped HTTP 501', httpErr(501), { transient: false }],
    ['unmapped HTTP 505', httpErr(505), { transient: false }],
    ['unmapped HTTP 404', httpErr(404), { transient: false }],
    // AWS SDK v3 errors: the status in $metadata, throttling as a 400 with its own error code.
    ['AWS ThrottlingException (400)', awsErr('ThrottlingException', 400), { transient: true }],
    ['AWS Throttling (STS, 400)', awsErr('Throttling', 400), { transient: true }],
    ['AWS error the SDK marks retryable', Object.assign(awsErr('SomethingNew', 400), { $retryable: {} }), { transient: true }],
    ['AWS InternalServiceError (500)', awsErr('InternalServiceError', 500), { transient: true }],
    ['AWS ResourceNotFoundException (400)', awsErr('ResourceNotFoundException', 400), { transient: false }],
    ['AWS AccessDeniedException (400)', awsErr('AccessDeniedException', 400), { transient: false }],
  ];
  it.each(cases)('%s', (_name, err, verdict) => {
    expect(classify(err)).toEqual(verdict);
  });
});

describe('nextAttempt', () => {
  const policy = { attempts: 3, baseMs: 100, maxMs: 1000, maxWaitMs: 5000 };
  it('retries after the wait the server asked for when the policy allows it', () => {
    expect(nextAttempt({ transient: true, retryAfterMs: 5000 }, 0, policy)).toEqual({ retry: true, delayMs: 5000 });
  });
  it('gives up at once, still transient, when Retry-After is longer than the policy allows (never retries early)', () => {
    expect(nextAttempt({ transient: true, retryAfterMs: 5001 }, 0, policy)).toEqual({ retry: false, transient: true });
  });
  it('backs off without a Retry-After, and stops after the last attempt', () => {
    expect(nextAttempt({ transient: true }, 1, policy, () => 0.5)).toEqual({ retry: true, delayMs: 100 });
    expect(nextAttempt({ transient: true }, 2, policy)).toEqual({ retry: false, transient: true });
  });
  it('never retries a permanent error', () => {
    expect(nextAttempt({ transient: false }, 0, policy)).toEqual({ retry: false, transient: false });
  });
  it('withRetry judges a native error by the adapter mapping but rethrows the native error', async () => {
    const native = Object.assign(new Error('teapot'), { status: 418 });
    let calls = 0;
    const fn = async () => {
      if (++calls < 2) throw native;
      return 'ok';
    };
    await expect(withRetry(fn, { sleep: async () => {}, mapError: () => new DriftlessError('SOURCE_UNAVAILABLE', 'mapped', { transient: true }) })).resolves.toBe('ok');
    calls = -10;
    await expect(withRetry(fn, { sleep: async () => {}, mapError: () => new DriftlessError('GITHUB_ERROR', 'mapped') })).rejects.toBe(native);
  });
});
