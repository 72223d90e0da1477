import { reportRetry } from '../core/progress.ts';
import { withRetry, type RetryPolicy } from '../core/retry.ts';
import type { ClusterClient } from '../ports/cluster.ts';

export interface RetryingOptions {
  policy?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/**
 * The same client, with every call retried on what `classify` calls transient (the adapter marks
 * 429 with Retry-After, 5xx, timeouts and resets) using backoff and jitter. Everything else
 * surfaces at once, a body that does not fit the server's schema included: that is the
 * manifest's fault (applyPlan alone retries it, when this sync just changed the CRD).
 */
export function retryingCluster(cluster: ClusterClient, options: RetryingOptions = {}): ClusterClient {
  const onRetry = (info: { attempt: number; delayMs: number; error: unknown }): void => {
    options.onRetry?.(info);
    const why = info.error instanceof Error ? info.error.message : String(info.error);
    reportRetry(`${cluster.server}: ${why}; try ${info.attempt + 2} in ${(info.delayMs / 1000).toFixed(1)} s`);
  };
  const retry = <T>(fn: () => Promise<T>): Promise<T> =>
    withRetry(fn, { ...(options.policy ? { policy: options.policy } : {}), ...(options.sleep ? { sleep: options.sleep } : {}), onRetry });
  const wrapped: ClusterClient = {
    server: cluster.server,
    resolve: (apiVersion, kind, opts) => retry(() => cluster.resolve(apiVersion, kind, opts)),
    list: (type, namespace, opts) => retry(() => cluster.list(type, namespace, opts)),
    get: (type, name, namespace) => retry(() => cluster.get(type, name, namespace)),
    apply: (type, object, opts) => retry(() => cluster.apply(type, object, opts)),
    patchJson: (type, name, namespace, ops) => retry(() => cluster.patchJson(type, name, namespace, ops)),
    delete: (type, name, namespace, preconditions) => retry(() => cluster.delete(type, name, namespace, preconditions)),
  };
  const openApi = cluster.openApi?.bind(cluster);
  if (openApi) wrapped.openApi = (group, version) => retry(() => openApi(group, version));
  return wrapped;
}
