import type { DriftReport, HealthStatus, SyncResult } from '../core/types.ts';

/** What an app is, for `driftless_app_info` and for initialising every per-app series at zero. */
export interface AppInfo {
  app: string;
  repository: string;
  cluster: string;
  namespace: string;
  /**
   * What the state store remembers from before this process started, so that a restart does not
   * reset every app to Unknown (and clear the alerts that fire on its status).
   */
  last?: { sync?: 'Synced' | 'Failed'; health?: HealthStatus; drifted?: boolean };
}

/**
 * How a webhook delivery ended: the service's outcome when it got that far, else the HTTP refusal.
 * A fixed list, so the series can exist at zero before the first delivery.
 */
export const webhookResults = ['queued', 'duplicate', 'unmatched', 'ignored', 'pong', 'unauthorized', 'too_large', 'busy', 'bad_request', 'error'] as const;
export type WebhookResult = (typeof webhookResults)[number];

/** GitHub's event header is caller-controlled until the signature checks out: anything else counts as `other`. */
export const webhookEvents = ['push', 'ping', 'other'] as const;
export type WebhookEvent = (typeof webhookEvents)[number];

export function webhookEventOf(header: string | undefined): WebhookEvent {
  return header === 'push' || header === 'ping' ? header : 'other';
}

/** `driftless_sync_total` phases, one per SyncStatus plus a sync that ended before the engine ran (permanent error, retries spent). */
export const syncPhases = ['Succeeded', 'Degraded', 'Failed', 'DryRun'] as const;
export type SyncPhase = (typeof syncPhases)[number];

export function syncPhaseOf(result: SyncResult): SyncPhase {
  switch (result.status) {
    case 'Synced': return 'Succeeded';
    case 'Degraded': return 'Degraded';
    case 'DryRun': return 'DryRun';
    default: return 'Failed';
  }
}

/**
 * What happened, in the core's words; adapters turn it into Prometheus series (serve) or
 * CloudWatch EMF lines (Lambda). Each method is cheap and never throws: a metrics failure must not
 * fail a sync.
 */
export interface Metrics {
  /** The configured apps: their info series, and every per-app label set at zero. */
  appsKnown(apps: AppInfo[]): void;
  /** A sync the engine ran to its end (any status). */
  syncFinished(result: SyncResult, durationSeconds: number): void;
  /** A sync that ended in an error before a result existed (permanent error, or retries spent). */
  syncFailed(app: string, durationSeconds: number): void;
  webhookDelivery(event: WebhookEvent, result: WebhookResult): void;
  /** One GitHub API response (status 0: no response); `remaining` from x-ratelimit-remaining when sent. */
  githubRequest(status: number, remaining?: number): void;
  /** One Kubernetes API request: `verb` the driftless operation (get, list, apply...), `code` the HTTP status or `error`. */
  clusterRequest(cluster: string, verb: string, code: number | 'error'): void;
  driftReported(report: DriftReport): void;
}

export const noopMetrics: Metrics = {
  appsKnown: () => {},
  syncFinished: () => {},
  syncFailed: () => {},
  webhookDelivery: () => {},
  githubRequest: () => {},
  clusterRequest: () => {},
  driftReported: () => {},
};
