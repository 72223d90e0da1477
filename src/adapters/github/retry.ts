import { parseRetryAfter } from '../../core/retry.ts';

type Headers = Record<string, string | number | undefined>;

export function errorParts(err: unknown): { status?: number; headers: Headers; message: string } {
  if (!err || typeof err !== 'object') return { headers: {}, message: String(err) };
  const e = err as { status?: unknown; response?: { headers?: Headers }; message?: unknown };
  return {
    status: typeof e.status === 'number' ? e.status : undefined,
    headers: e.response?.headers ?? {},
    message: typeof e.message === 'string' ? e.message : '',
  };
}

export type RateLimitKind = 'primary' | 'secondary';

/** How long GitHub asked us to wait, and which limit it was; undefined when the error is no rate limit. */
export function rateLimitWait(err: unknown, now = Date.now()): { kind: RateLimitKind; waitMs: number } | undefined {
  const { status, headers, message } = errorParts(err);
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = parseRetryAfter(headers['retry-after'] === undefined ? undefined : String(headers['retry-after']), now);
  const secondary = /secondary rate limit/i.test(message);
  if (String(headers['x-ratelimit-remaining']) === '0' && headers['x-ratelimit-reset'] !== undefined && !secondary && retryAfter === undefined) {
    // The primary limit resets at an epoch second; a little slack avoids arriving a hair early.
    return { kind: 'primary', waitMs: Math.max(0, Number(headers['x-ratelimit-reset']) * 1000 - now) + 100 };
  }
  if (retryAfter !== undefined) return { kind: 'secondary', waitMs: retryAfter };
  // GitHub: without retry-after, wait at least a minute after a secondary limit.
  if (secondary) return { kind: 'secondary', waitMs: 60_000 };
  if (status === 429) return { kind: 'secondary', waitMs: 0 };
  return undefined;
}

export function httpStatusOf(err: unknown): number | undefined {
  return errorParts(err).status;
}
