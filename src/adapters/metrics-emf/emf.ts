/*
 * CloudWatch Embedded Metric Format (Lambda): the Metrics port as EMF log lines through
 * @aws-lambda-powertools/metrics, all in one namespace (default "Driftless").
 *
 * Cost: every metric name × distinct dimension values is one custom metric (about $0.30 a month
 * each), so only the sync outcome and duration keep the app dimension; the rest are by a bounded
 * label or none. Powertools adds a constant `service` dimension, which does not multiply the count.
 *
 *   custom metrics = A × (4 + 1)      SyncCount{app,phase} (4 phases) + SyncDuration{app}
 *                  + 10               WebhookDeliveries{result}
 *                  + 5                GitHubApiRequests{statusClass: 2xx 3xx 4xx 5xx error}
 *                  + 1                GitHubRateLimitRemaining
 *                  + 5                ClusterApiRequests{codeClass: 2xx 3xx 4xx 5xx error}
 *                  + 5                SyncHealth{health}
 *                  + 3                DriftChecks{status}
 *                  + 1                DriftedObjects
 *                  = 5·A + 30         (A apps; 10 apps: 80 metrics ≈ $24/month at $0.30)
 *
 * A metric is billed only in hours it receives data, so phases never seen cost nothing.
 */
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DriftReport, HealthStatus, SyncResult } from '../../core/types.ts';
import { syncPhaseOf, type AppInfo, type Metrics, type SyncPhase, type WebhookEvent, type WebhookResult } from '../../ports/metrics.ts';

export const emfNamespace = 'Driftless';

/** Every EMF metric name this adapter writes, with its dimensions (for dashboards and the README). */
export const emfMetrics = {
  SyncCount: ['app', 'phase'],
  SyncDuration: ['app'],
  SyncHealth: ['health'],
  WebhookDeliveries: ['result'],
  GitHubApiRequests: ['statusClass'],
  GitHubRateLimitRemaining: [],
  ClusterApiRequests: ['codeClass'],
  DriftChecks: ['status'],
  DriftedObjects: [],
} as const satisfies Record<string, readonly string[]>;
export type EmfMetricName = keyof typeof emfMetrics;

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

function classOf(code: number | 'error'): string {
  return code === 'error' || code < 100 || code > 599 ? 'error' : `${Math.floor(code / 100)}xx`;
}

export interface EmfMetricsOptions {
  namespace?: string;
  service?: string;
  /** Replace the Powertools instance (tests). */
  powertools?: PowertoolsMetrics;
}

/**
 * Counts are added up in memory and written by `flush()` (call it at the end of each invocation):
 * a sync makes dozens of GitHub and Kubernetes requests, which would otherwise be as many log lines.
 */
export class EmfMetrics implements Metrics {
  private readonly powertools: PowertoolsMetrics;
  private readonly pending = new Map<string, { name: EmfMetricName; unit: Unit; dimensions: Record<string, string>; values: number[] }>();

  constructor(options: EmfMetricsOptions = {}) {
    this.powertools = options.powertools ?? new PowertoolsMetrics({ namespace: options.namespace ?? emfNamespace, serviceName: options.service ?? 'driftless' });
  }

  private add(name: EmfMetricName, dimensions: Record<string, string>, value: number, unit: Unit = MetricUnit.Count, aggregate: 'sum' | 'min' | 'each' = 'sum'): void {
    const key = `${name}\u0000${JSON.stringify(dimensions)}`;
    const entry = this.pending.get(key);
    if (!entry) this.pending.set(key, { name, unit, dimensions, values: [value] });
    else if (aggregate === 'sum') entry.values[0]! += value;
    else if (aggregate === 'min') entry.values[0] = Math.min(entry.values[0]!, value);
    else entry.values.push(value);
  }

  /** Writes what was recorded since the last flush, one EMF line per dimension set. */
  flush(): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const { name, unit, dimensions, values } of entries) {
      // publishStoredMetrics writes one line and clears the dimensions for the next entry.
      if (Object.keys(dimensions).length > 0) this.powertools.addDimensions(dimensions);
      // Several values of one metric in one line: CloudWatch keeps each (percentiles stay right).
      for (const value of values) this.powertools.addMetric(name, unit, value);
      this.powertools.publishStoredMetrics();
    }
  }

  /** Nothing to initialise: a dimension value that never gets data costs nothing and shows nothing. */
  appsKnown(_apps: AppInfo[]): void {}

  syncFinished(result: SyncResult, durationSeconds: number): void {
    this.sync(result.app, syncPhaseOf(result), durationSeconds);
    if (!result.dryRun) this.add('SyncHealth', { health: result.health satisfies HealthStatus }, 1);
  }

  syncFailed(app: string, durationSeconds: number): void {
    this.sync(app, 'Failed', durationSeconds);
  }

  private sync(app: string, phase: SyncPhase, durationSeconds: number): void {
    this.add('SyncCount', { app, phase }, 1);
    this.add('SyncDuration', { app }, durationSeconds, MetricUnit.Seconds, 'each');
  }

  webhookDelivery(_event: WebhookEvent, result: WebhookResult): void {
    this.add('WebhookDeliveries', { result }, 1);
  }

  githubRequest(status: number, remaining?: number): void {
    this.add('GitHubApiRequests', { statusClass: classOf(status === 0 ? 'error' : status) }, 1);
    if (remaining !== undefined && Number.isFinite(remaining)) this.add('GitHubRateLimitRemaining', {}, remaining, MetricUnit.Count, 'min');
  }

  clusterRequest(_cluster: string, _verb: string, code: number | 'error'): void {
    this.add('ClusterApiRequests', { codeClass: classOf(code) }, 1);
  }

  driftReported(report: DriftReport): void {
    this.add('DriftChecks', { status: report.status }, 1);
    if (report.status !== 'Unknown') this.add('DriftedObjects', {}, report.objects.length);
  }
}
