import { DriftlessError, isDriftlessError } from '../../core/errors.ts';
import { classify, isTransientNetworkError, isTransientStatus, parseRetryAfter, type TransientVerdict } from '../../core/retry.ts';
import { errorParts, rateLimitWait } from './retry.ts';

/**
 * Turns an Octokit failure into a DriftlessError that says what to do, and whether retrying may
 * help: rate limits (with the wait GitHub asked for), 429, 5xx other than 501/505 and network
 * resets are transient; 404 (no such repository, or the credentials cannot see it), 401, 403 and
 * other refusals are permanent.
 */
export function mapGitHubError(err: unknown, repo: string, what: string, now = Date.now()): DriftlessError {
  if (isDriftlessError(err)) return err;
  const { status, headers } = errorParts(err);
  const limited = rateLimitWait(err, now);
  const detail = err instanceof Error ? err.message : String(err);
  if (limited) {
    return new DriftlessError('RATE_LIMITED', `GitHub ${limited.kind} rate limit while ${what} in ${repo}; retry in ${Math.ceil(limited.waitMs / 1000)} s`, { transient: true, retryAfterMs: limited.waitMs, status }, { cause: err });
  }
  if (status === 401) return new DriftlessError('GITHUB_ERROR', `GitHub rejected the credentials while ${what} in ${repo} (401 ${detail}): check the repository's token or GitHub App key`, { status }, { cause: err });
  if (status === 403) return new DriftlessError('GITHUB_ERROR', `GitHub refused ${what} in ${repo} (403 ${detail}): the token or App installation needs read access to contents (and write to statuses/deployments for reporting)`, { status }, { cause: err });
  if (status === 404) return new DriftlessError('SOURCE_UNAVAILABLE', `GitHub answered 404 while ${what}: repository ${repo} does not exist or the credentials cannot see it`, { status, transient: false }, { cause: err });
  if (status === undefined ? isTransientNetworkError(err) : isTransientStatus(status)) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'] === undefined ? undefined : String(headers['retry-after']), now);
    return new DriftlessError('SOURCE_UNAVAILABLE', `GitHub is unavailable while ${what} in ${repo}: ${detail}`, { transient: true, ...(status !== undefined ? { status } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, { cause: err });
  }
  return new DriftlessError('GITHUB_ERROR', status === undefined ? `GitHub request failed while ${what} in ${repo}: ${detail}` : `GitHub answered ${status} while ${what} in ${repo}: ${detail}`, status !== undefined ? { status } : {}, { cause: err });
}

/** An Octokit failure judged as the error it maps to (for the retry loops that see native errors). */
export function classifyGitHubError(err: unknown, now = Date.now()): TransientVerdict {
  return classify(mapGitHubError(err, 'the repository', 'calling GitHub', now));
}
