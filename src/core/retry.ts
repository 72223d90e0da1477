/**
 * Retry only what is transient (HTTP 429, 5xx, timeouts, resets), with exponential
 * backoff and full jitter, honouring a server's Retry-After when it gives one.
 */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseMs: 200, maxMs: 10_000 };

export interface TransientVerdict {
  transient: boolean;
  /** Milliseconds the server asked us to wait, if it said. */
  retryAfterMs?: number;
}

export type Classifier = (err: unknown) => TransientVerdict;

const transientNetworkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'ECONNABORTED', 'UND_ERR_CONNECT_TIMEOUT']);

/** 501 Not Implemented and 505 say the request will never work; other 5xx may pass later. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

export function isTransientNetworkError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && transientNetworkCodes.has(code)) return true;
    const name = (e as { name?: unknown }).name;
    if (name === 'AbortError' || name === 'TimeoutError' || name === 'FetchError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Parses Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export interface RetryOptions {
  policy?: RetryPolicy;
  classify: Classifier;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? defaultRetryPolicy;
  const wait = options.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const verdict = options.classify(error);
      if (!verdict.transient || attempt + 1 >= policy.attempts) throw error;
      // A server asking for a longer wait than we would ever back off gets it honoured by failing
      // now (transient, so a queue retries later), not by retrying early against its word.
      if (verdict.retryAfterMs !== undefined && verdict.retryAfterMs > policy.maxMs * 6) throw error;
      const delayMs = verdict.retryAfterMs ?? backoffMs(attempt, policy, options.random);
      options.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs);
    }
  }
}
