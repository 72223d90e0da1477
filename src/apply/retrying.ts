import { isDriftlessError } from '../core/errors.ts';
import { withRetry, type RetryPolicy, type TransientVerdict } from '../core/retry.ts';
import type { ClusterClient } from '../ports/cluster.ts';

/** Transient per the adapter: DriftlessError with details.transient (and maybe retryAfterMs). */
export function classifyClusterError(err: unknown): TransientVerdict {
  if (!isDriftlessError(err) || !err.transient) return { transient: false };
  const after = err.details.retryAfterMs;
  return typeof after === 'number' ? { transient: true, retryAfterMs: after } : { transient: true };
}

export interface RetryingOptions {
  policy?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/**
 * The same client, with every call retried on transient failures (429 with Retry-After, 5xx,
 * timeouts, resets) using backoff and jitter. Everything else surfaces at once.
 */
export function retryingCluster(cluster: ClusterClient, options: RetryingOptions = {}): ClusterClient {
  const retry = <T>(fn: () => Promise<T>): Promise<T> =>
    withRetry(fn, { classify: classifyClusterError, ...(options.policy ? { policy: options.policy } : {}), ...(options.sleep ? { sleep: options.sleep } : {}), ...(options.onRetry ? { onRetry: options.onRetry } : {}) });
  const wrapped: ClusterClient = {
    server: cluster.server,
    resolve: (apiVersion, kind, opts) => retry(() => cluster.resolve(apiVersion, kind, opts)),
    list: (type, namespace) => retry(() => cluster.list(type, namespace)),
    get: (type, name, namespace) => retry(() => cluster.get(type, name, namespace)),
    apply: (type, object, opts) => retry(() => cluster.apply(type, object, opts)),
    patchJson: (type, name, namespace, ops) => retry(() => cluster.patchJson(type, name, namespace, ops)),
    delete: (type, name, namespace, preconditions) => retry(() => cluster.delete(type, name, namespace, preconditions)),
  };
  const openApi = cluster.openApi?.bind(cluster);
  if (openApi) wrapped.openApi = (group, version) => retry(() => openApi(group, version));
  return wrapped;
}
