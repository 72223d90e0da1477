import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { DriftlessError } from '../../core/errors.ts';
import { defaultRetryPolicy, withRetry } from '../../core/retry.ts';
import type { RetryPolicy } from '../../core/retry.ts';
import type { Metrics } from '../../ports/metrics.ts';
import { mapGitHubError } from './errors.ts';

export type GitHubAuth = { token: string } | { appId: number | string; privateKey: string; installationId?: number };

export type OctokitOptions = NonNullable<ConstructorParameters<typeof Octokit>[0]>;

export interface GitHubClientOptions {
  owner: string;
  repo: string;
  /** GitHub Enterprise: https://ghe.example.com/api/v3. Default https://api.github.com. */
  apiUrl?: string;
  auth: GitHubAuth;
  retry?: Partial<RetryPolicy>;
  /** Longest rate-limit wait to sit out in-process; longer waits fail with RATE_LIMITED (transient). */
  maxRateLimitWaitMs?: number;
  /** Refresh installation tokens this long before they expire (default 5 min). */
  tokenRefreshMarginMs?: number;
  sleep?: (ms: number) => Promise<void>;
  octokit?: Partial<OctokitOptions>;
  /**
   * Asked when GitHub answers 401: the credentials re-read, when they changed (the refused request
   * is then tried once more with them), or undefined (the 401 stands).
   */
  refreshAuth?: () => Promise<GitHubAuth | undefined>;
  /** Counts every response (each retry attempt too) and records x-ratelimit-remaining. */
  metrics?: Metrics;
}

/** Lazily connected Octokit (the App installation id may need a lookup first). */
export type OctokitProvider = () => Promise<Octokit>;

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * auth-app's default cache keeps tokens 59 minutes whatever GitHub said; this one honours `expires_at`
 * (third field of auth-app's cache record) minus a margin, so a token is never used near its expiry.
 */
export function expiryAwareTokenCache(marginMs: number, now: () => number = Date.now): { get(key: string): string | undefined; set(key: string, value: string): void } {
  const entries = new Map<string, string>();
  return {
    get(key) {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      const expiresAt = Date.parse(value.split('|')[2] ?? '');
      if (!Number.isFinite(expiresAt) || expiresAt - marginMs <= now()) {
        entries.delete(key);
        return undefined;
      }
      return value;
    },
    set(key, value) {
      entries.set(key, value);
    },
  };
}

type OctokitResponseLike = { status?: number; headers?: Record<string, string | number | undefined> };

function remainingOf(headers: OctokitResponseLike['headers']): number | undefined {
  const value = headers?.['x-ratelimit-remaining'];
  return value === undefined ? undefined : Number(value);
}

/** One attempt, counted by status (0: no response) whether it succeeds or throws. */
async function observed<T extends OctokitResponseLike>(metrics: Metrics | undefined, attempt: () => Promise<T>): Promise<T> {
  if (!metrics) return attempt();
  try {
    const response = await attempt();
    metrics.githubRequest(response.status ?? 0, remainingOf(response.headers));
    return response;
  } catch (err) {
    const e = err as { status?: unknown; response?: OctokitResponseLike };
    metrics.githubRequest(typeof e.status === 'number' ? e.status : 0, remainingOf(e.response?.headers));
    throw err;
  }
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** `reauthenticate` gives a client with fresh credentials after a 401, or undefined when there are none. */
function build(options: GitHubClientOptions, auth: OctokitOptions, reauthenticate?: () => Promise<Octokit | undefined>): Octokit {
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const maxWait = options.maxRateLimitWaitMs ?? 60_000;
  const octokit = new Octokit({ userAgent: 'driftless', log: silent, ...options.octokit, ...auth, baseUrl: (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '') });
  octokit.hook.wrap('request', async (request, requestOptions) => {
    // Callers read Octokit's own errors (status 404 vs 422), so the loop judges the mapped error but rethrows the native one.
    const attempt = () => withRetry(async () => observed(options.metrics, async () => request(requestOptions)), { policy: { ...policy, maxWaitMs: maxWait }, mapError: (err) => mapGitHubError(err, `${options.owner}/${options.repo}`, 'calling GitHub'), sleep: options.sleep });
    try {
      return await attempt();
    } catch (err) {
      if (statusOf(err) !== 401 || !reauthenticate) throw err;
      const fresh = await reauthenticate();
      if (!fresh) throw err;
      // The options carry this client's hook chain (request.hook), which would win over the fresh
      // client's and send the old credentials again: drop it, so the fresh client's auth hook runs.
      const { hook: _stale, ...requestSettings } = (requestOptions.request ?? {}) as Record<string, unknown>;
      return fresh.request({ ...requestOptions, request: requestSettings });
    }
  });
  return octokit;
}

export function createOctokitProvider(options: GitHubClientOptions): OctokitProvider {
  let connecting: Promise<Octokit> | undefined;
  let auth = options.auth;
  const reauthenticate = options.refreshAuth
    ? async (): Promise<Octokit | undefined> => {
        const next = await options.refreshAuth!();
        if (!next) return undefined;
        auth = next;
        connecting = undefined;
        return provider();
      }
    : undefined;
  const connect = async (): Promise<Octokit> => {
    if ('token' in auth) return build(options, { auth: auth.token }, reauthenticate);
    const { appId, privateKey } = auth;
    const cache = expiryAwareTokenCache(options.tokenRefreshMarginMs ?? 5 * 60_000);
    let installationId = auth.installationId;
    if (installationId === undefined) {
      const asApp = build(options, { authStrategy: createAppAuth, auth: { appId, privateKey, cache } });
      try {
        installationId = (await asApp.apps.getRepoInstallation({ owner: options.owner, repo: options.repo })).data.id;
      } catch (err) {
        throw new DriftlessError('GITHUB_ERROR', `GitHub App ${appId} is not installed on ${options.owner}/${options.repo} (or its key is wrong): install the app on the repository or set app.installationId`, { field: 'github.app' }, { cause: err });
      }
    }
    return build(options, { authStrategy: createAppAuth, auth: { appId, privateKey, installationId, cache } }, reauthenticate);
  };
  const provider = (): Promise<Octokit> => {
    connecting ??= connect().catch((err: unknown) => {
      connecting = undefined;
      throw err;
    });
    return connecting;
  };
  return provider;
}
