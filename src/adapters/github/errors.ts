import { DriftlessError, isDriftlessError } from '../../core/errors.ts';
import { httpStatusOf, rateLimitWait } from './retry.ts';

/** Turns an Octokit failure (after retries) into a DriftlessError that says what to do. */
export function mapGitHubError(err: unknown, repo: string, what: string): DriftlessError {
  if (isDriftlessError(err)) return err;
  const status = httpStatusOf(err);
  const limited = rateLimitWait(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (limited) {
    return new DriftlessError('RATE_LIMITED', `GitHub ${limited.kind} rate limit while ${what} in ${repo}; retry in ${Math.ceil(limited.waitMs / 1000)} s`, { transient: true, retryAfterMs: limited.waitMs, status }, { cause: err });
  }
  if (status === 401) return new DriftlessError('GITHUB_ERROR', `GitHub rejected the credentials while ${what} in ${repo} (401 ${detail}): check the repository's token or GitHub App key`, { status }, { cause: err });
  if (status === 403) return new DriftlessError('GITHUB_ERROR', `GitHub refused ${what} in ${repo} (403 ${detail}): the token or App installation needs read access to contents (and write to statuses/deployments for reporting)`, { status }, { cause: err });
  if (status === 404) return new DriftlessError('SOURCE_UNAVAILABLE', `GitHub answered 404 while ${what}: repository ${repo} does not exist or the credentials cannot see it`, { status }, { cause: err });
  if (status === undefined || status >= 500 || status === 408) {
    return new DriftlessError('SOURCE_UNAVAILABLE', `GitHub is unavailable while ${what} in ${repo}: ${detail}`, { transient: true, status }, { cause: err });
  }
  return new DriftlessError('GITHUB_ERROR', `GitHub answered ${status} while ${what} in ${repo}: ${detail}`, { status }, { cause: err });
}
