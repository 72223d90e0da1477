import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DriftReport, HealthStatus, SyncResult } from '../../core/types.ts';
import { syncPhaseOf, syncPhases, webhookEvents, webhookResults, type AppInfo, type Metrics, type WebhookEvent, type WebhookResult } from '../../ports/metrics.ts';

/** `driftless_app_sync_status` values, like argocd_app_sync_status plus Failed (the last sync did not apply). */
export const syncStatuses = ['Synced', 'OutOfSync', 'Failed', 'Unknown'] as const;
type SyncStatusLabel = (typeof syncStatuses)[number];
export const healthStatuses: readonly HealthStatus[] = ['Healthy', 'Progressing', 'Degraded', 'Missing', 'Unknown'];

/** Syncs take seconds to minutes (health waits included). */
const durationBuckets = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * The Prometheus adapter of the Metrics port (serve's GET /metrics). Label sets are built in the
 * documented order, which is the order prom-client prints them. Labels are bounded: app, cluster,
 * kind, status codes and fixed enumerations, never a SHA, a delivery id or an object name.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly appInfo: Gauge<'app' | 'repository' | 'cluster' | 'namespace'>;
  private readonly syncStatus: Gauge<'app' | 'status'>;
  private readonly healthStatus: Gauge<'app' | 'health'>;
  private readonly drift: Gauge<'app'>;
  private readonly driftObjects: Gauge<'app' | 'kind' | 'state'>;
  private readonly syncs: Counter<'app' | 'phase'>;
  private readonly syncDuration: Histogram<'app'>;
  private readonly webhooks: Counter<'event' | 'result'>;
  private readonly github: Counter<'status'>;
  private readonly githubRemaining: Gauge;
  private readonly cluster: Counter<'cluster' | 'verb' | 'code'>;
  /** Per app, the (kind, state) pairs a drift report has named: they drop to 0 rather than vanish. */
  private readonly driftSeen = new Map<string, Set<string>>();
  private readonly syncState = new Map<string, SyncStatusLabel>();

  constructor() {
    const registers = [this.registry];
    this.appInfo = new Gauge({ name: 'driftless_app_info', help: 'Configured apps (value 1).', labelNames: ['app', 'repository', 'cluster', 'namespace'], registers });
    this.syncStatus = new Gauge({ name: 'driftless_app_sync_status', help: 'Sync status of an app: 1 for its current status, 0 for the others.', labelNames: ['app', 'status'], registers });
    this.healthStatus = new Gauge({ name: 'driftless_app_health_status', help: 'Health of an app after its last sync: 1 for its current health, 0 for the others.', labelNames: ['app', 'health'], registers });
    this.drift = new Gauge({ name: 'driftless_app_drift', help: '1 when the last drift check found the cluster differing from the last synced revision.', labelNames: ['app'], registers });
    this.driftObjects = new Gauge({ name: 'driftless_drift_objects', help: 'Drifted objects found by the last drift check, by kind and state (modified, missing, extra).', labelNames: ['app', 'kind', 'state'], registers });
    this.syncs = new Counter({ name: 'driftless_sync_total', help: 'Syncs run to their end, by phase (Succeeded, Degraded, Failed, DryRun).', labelNames: ['app', 'phase'], registers });
    this.syncDuration = new Histogram({ name: 'driftless_sync_duration_seconds', help: 'Wall time of a sync from start to its recorded result.', labelNames: ['app'], buckets: durationBuckets, registers });
    this.webhooks = new Counter({ name: 'driftless_webhook_deliveries_total', help: 'GitHub webhook deliveries by event (push, ping, other) and result.', labelNames: ['event', 'result'], registers });
    this.github = new Counter({ name: 'driftless_github_api_requests_total', help: 'GitHub API responses by HTTP status (0: no response).', labelNames: ['status'], registers });
    this.githubRemaining = new Gauge({ name: 'driftless_github_rate_limit_remaining', help: 'x-ratelimit-remaining of the last GitHub API response that carried it.', registers });
    this.cluster = new Counter({ name: 'driftless_cluster_api_requests_total', help: 'Kubernetes API requests by cluster, driftless operation and HTTP status (error: no response).', labelNames: ['cluster', 'verb', 'code'], registers });
    for (const event of webhookEvents) for (const result of webhookResults) this.webhooks.inc({ event, result }, 0);
  }

  /** The text exposition for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Every metric name this adapter exports (histograms add _bucket, _sum and _count). */
  static metricNames(): string[] {
    return new PrometheusMetrics().registry.getMetricsAsArray().map((m) => m.name);
  }

  appsKnown(apps: AppInfo[]): void {
    for (const { app, repository, cluster, namespace, last } of apps) {
      this.appInfo.set({ app, repository, cluster, namespace }, 1);
      this.setSyncStatus(app, last?.drifted && last.sync !== 'Failed' ? 'OutOfSync' : (last?.sync ?? 'Unknown'));
      this.setOneOf(this.healthStatus, app, 'health', healthStatuses, last?.health ?? 'Unknown');
      this.drift.set({ app }, last?.drifted ? 1 : 0);
      for (const phase of syncPhases) this.syncs.inc({ app, phase }, 0);
      this.syncDuration.zero({ app });
    }
  }

  syncFinished(result: SyncResult, durationSeconds: number): void {
    const app = result.app;
    this.syncs.inc({ app, phase: syncPhaseOf(result) });
    this.syncDuration.observe({ app }, durationSeconds);
    if (result.dryRun) return;
    this.setSyncStatus(app, result.status === 'Failed' ? 'Failed' : 'Synced');
    this.setOneOf(this.healthStatus, app, 'health', healthStatuses, result.health);
  }

  syncFailed(app: string, durationSeconds: number): void {
    this.syncs.inc({ app, phase: 'Failed' });
    this.syncDuration.observe({ app }, durationSeconds);
    this.setSyncStatus(app, 'Failed');
  }

  webhookDelivery(event: WebhookEvent, result: WebhookResult): void {
    this.webhooks.inc({ event, result });
  }

  githubRequest(status: number, remaining?: number): void {
    this.github.inc({ status: String(status) });
    if (remaining !== undefined && Number.isFinite(remaining)) this.githubRemaining.set(remaining);
  }

  clusterRequest(cluster: string, verb: string, code: number | 'error'): void {
    this.cluster.inc({ cluster, verb, code: String(code) });
  }

  /** Unknown (the check could not tell) keeps the last known figures: an outage must not read as "no drift". */
  driftReported(report: DriftReport): void {
    if (report.status === 'Unknown') return;
    const app = report.app;
    const counts = new Map<string, number>();
    for (const object of report.objects) {
      const key = `${object.ref.kind}\u0000${object.state}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const seen = this.driftSeen.get(app) ?? new Set<string>();
    this.driftSeen.set(app, seen);
    for (const key of counts.keys()) seen.add(key);
    for (const key of seen) {
      const [kind, state] = key.split('\u0000') as [string, string];
      this.driftObjects.set({ app, kind, state }, counts.get(key) ?? 0);
    }
    const drifted = report.status === 'OutOfSync';
    this.drift.set({ app }, drifted ? 1 : 0);
    // A failed sync stays Failed until a sync succeeds; drift alone does not clear it.
    if (drifted) this.setSyncStatus(app, 'OutOfSync');
    else if (this.syncState.get(app) !== 'Failed') this.setSyncStatus(app, 'Synced');
  }

  private setOneOf<L extends 'status' | 'health'>(gauge: Gauge<'app' | L>, app: string, label: L, values: readonly string[], current: string): void {
    for (const value of values) gauge.set({ app, [label]: value } as Record<'app' | L, string>, value === current ? 1 : 0);
  }

  private setSyncStatus(app: string, status: SyncStatusLabel): void {
    this.syncState.set(app, status);
    this.setOneOf(this.syncStatus, app, 'status', syncStatuses, status);
  }
}
