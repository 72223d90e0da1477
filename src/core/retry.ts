import { isDriftlessError } from './errors.ts';

/**
 * Retry only what is transient (HTTP 429, 5xx, timeouts, resets), with exponential
 * backoff and full jitter, honouring a server's Retry-After when it gives one.
 *
 * Every retry loop decides through `classify` (is it transient, how long did the server ask us to
 * wait) and `nextAttempt` (retry now, or give up). Adapters put what they know about their system
 * into DriftlessError `details.transient` / `details.retryAfterMs`; nothing else decides.
 */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  /** Ceiling of one backoff delay. */
  maxMs: number;
  /**
   * Longest wait a server may ask for (Retry-After, rate-limit reset) that is sat out in-process;
   * a longer one fails the attempt at once, still transient, so a queue retries it later. Default 6 × maxMs.
   */
  maxWaitMs?: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseMs: 200, maxMs: 10_000, maxWaitMs: 60_000 };

export interface TransientVerdict {
  transient: boolean;
  /** Milliseconds the server asked us to wait, if it said. */
  retryAfterMs?: number;
}

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

/** AWS SDK v3 errors carry the status in `$metadata.httpStatusCode`; other clients in `status` or `statusCode`. */
function statusOf(err: object): number | undefined {
  const e = err as { status?: unknown; statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : e.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * AWS answers throttling with 400 and one of these error codes (the SDK's own list, minus names
 * only older services use), and marks what it considers retryable with `$retryable`.
 */
const awsThrottlingCodes = new Set(['ThrottlingException', 'Throttling', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'RequestThrottled', 'SlowDown', 'PriorRequestNotComplete', 'LimitExceededException']);

/** Whether an AWS SDK error is throttling or one the SDK itself calls retryable. */
export function isAwsTransient(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; $retryable?: unknown };
  return (typeof e.name === 'string' && awsThrottlingCodes.has(e.name)) || (typeof e.$retryable === 'object' && e.$retryable !== null);
}

function retryAfterHeader(err: object): string | undefined {
  const headers = (err as { response?: { headers?: Record<string, unknown> }; headers?: Record<string, unknown> }).response?.headers ?? (err as { headers?: Record<string, unknown> }).headers;
  const value = headers?.['retry-after'];
  return value === undefined || value === null ? undefined : String(value);
}

/**
 * The one decision whether an error is transient and how long its source asked us to wait.
 * A DriftlessError says so itself (its adapter set `details.transient` and `details.retryAfterMs`);
 * an AWS SDK error by its throttling code or `$retryable`; an HTTP client's error that escaped
 * mapping is judged by its status and Retry-After; anything
 * else is transient only when it is a network reset or timeout. Programming errors never are.
 */
export function classify(err: unknown): TransientVerdict {
  if (isDriftlessError(err)) {
    const after = err.details.retryAfterMs;
    return err.transient ? (typeof after === 'number' && after >= 0 ? { transient: true, retryAfterMs: after } : { transient: true }) : { transient: false };
  }
  if (!err || typeof err !== 'object') return { transient: false };
  if (isAwsTransient(err)) return { transient: true };
  const status = statusOf(err);
  if (status === undefined) return { transient: isTransientNetworkError(err) };
  if (!isTransientStatus(status)) return { transient: false };
  const retryAfterMs = parseRetryAfter(retryAfterHeader(err));
  return retryAfterMs !== undefined ? { transient: true, retryAfterMs } : { transient: true };
}

export type NextAttempt = { retry: true; delayMs: number } | { retry: false; transient: boolean };

/**
 * After failed attempt number `attempt` (0-based): wait `delayMs` and try again, or give up. A wait
 * the server asked for that is longer than the policy allows gives up now (transient), never retries early.
 */
export function nextAttempt(verdict: TransientVerdict, attempt: number, policy: RetryPolicy, random: () => number = Math.random): NextAttempt {
  if (!verdict.transient) return { retry: false, transient: false };
  if (attempt + 1 >= policy.attempts) return { retry: false, transient: true };
  if (verdict.retryAfterMs !== undefined) {
    return verdict.retryAfterMs > (policy.maxWaitMs ?? policy.maxMs * 6) ? { retry: false, transient: true } : { retry: true, delayMs: verdict.retryAfterMs };
  }
  return { retry: true, delayMs: backoffMs(attempt, policy, random) };
}

export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export interface RetryOptions {
  policy?: RetryPolicy;
  /**
   * An adapter's mapping of a native error to the DriftlessError it stands for: the loop classifies
   * the mapped error and still rethrows the native one (for callers that read it).
   */
  mapError?: (err: unknown) => unknown;
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
      const mapped = options.mapError ? options.mapError(error) : error;
      const next = nextAttempt(classify(mapped), attempt, policy, options.random);
      if (!next.retry) throw error;
      options.onRetry?.({ attempt, delayMs: next.delayMs, error });
      await wait(next.delayMs);
    }
  }
}
