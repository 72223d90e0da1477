import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../../src/adapters/metrics-prometheus/index.ts';
import type { DriftReport, SyncResult } from '../../../src/core/types.ts';

const apps = [
  { app: 'web', repository: 'gitops', cluster: 'prod', namespace: 'web' },
  { app: 'api', repository: 'gitops', cluster: 'prod', namespace: 'api' },
];

function result(app: string, status: SyncResult['status'], health: SyncResult['health'] = 'Healthy'): SyncResult {
  return {
    app, revision: { ref: 'main', sha: 'a'.repeat(40) }, status, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:03Z',
    dryRun: status === 'DryRun', objects: [], pruned: [], displacedManagers: [], health, errors: [],
  };
}

function drift(app: string, status: DriftReport['status'], objects: Array<[kind: string, name: string, state: 'modified' | 'missing' | 'extra']> = []): DriftReport {
  return {
    app, status, checkedAt: '2026-01-01T00:00:00Z', revision: { ref: 'main', sha: 'b'.repeat(40) },
    objects: objects.map(([kind, name, state]) => ({ ref: { group: '', kind, name, namespace: app }, state, fields: [] })),
  };
}

/** The value of the one sample line that starts with `series` (labels included, in order). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(m: PrometheusMetrics): Promise<string> {
  return (await m.render()).body;
}

describe('PrometheusMetrics', () => {
  it('every label set of a known app and event exists at zero before any event, labels in the documented order', async () => {
    const m = new PrometheusMetrics();
    m.appsKnown(apps);
    const text = await scrape(m);
    expect(sample(text, 'driftless_app_info{app="web",repository="gitops",cluster="prod",namespace="web"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="web",status="Unknown"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="web",status="Synced"}')).toBe(0);
    expect(sample(text, 'driftless_app_health_status{app="api",health="Healthy"}')).toBe(0);
    expect(sample(text, 'driftless_app_health_status{app="api",health="Unknown"}')).toBe(1);
    expect(sample(text, 'driftless_app_drift{app="api"}')).toBe(0);
    for (const phase of ['Succeeded', 'Degraded', 'Failed', 'DryRun']) expect(sample(text, `driftless_sync_total{app="web",phase="${phase}"}`)).toBe(0);
    expect(sample(text, 'driftless_sync_duration_seconds_count{app="api"}')).toBe(0);
    expect(sample(text, 'driftless_webhook_deliveries_total{event="push",result="queued"}')).toBe(0);
    expect(sample(text, 'driftless_webhook_deliveries_total{event="other",result="unauthorized"}')).toBe(0);
  });

  it('starts from what the store remembers: last sync, health and drift', async () => {
    const m = new PrometheusMetrics();
    m.appsKnown([{ ...apps[0]!, last: { sync: 'Synced', health: 'Degraded', drifted: true } }, { ...apps[1]!, last: { sync: 'Failed', drifted: true } }]);
    const text = await scrape(m);
    expect(sample(text, 'driftless_app_sync_status{app="web",status="OutOfSync"}')).toBe(1);
    expect(sample(text, 'driftless_app_health_status{app="web",health="Degraded"}')).toBe(1);
    expect(sample(text, 'driftless_app_drift{app="web"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="api",status="Failed"}')).toBe(1);
    expect(sample(text, 'driftless_app_health_status{app="api",health="Unknown"}')).toBe(1);
  });

  it('a sync moves its phase counter, the duration histogram, sync status and health', async () => {
    const m = new PrometheusMetrics();
    m.appsKnown(apps);
    m.syncFinished(result('web', 'Degraded', 'Degraded'), 3.2);
    m.syncFinished(result('web', 'Synced'), 0.7);
    m.syncFinished(result('api', 'DryRun'), 0.1);
    let text = await scrape(m);
    expect(sample(text, 'driftless_sync_total{app="web",phase="Degraded"}')).toBe(1);
    expect(sample(text, 'driftless_sync_total{app="web",phase="Succeeded"}')).toBe(1);
    expect(sample(text, 'driftless_sync_duration_seconds_count{app="web"}')).toBe(2);
    expect(sample(text, 'driftless_sync_duration_seconds_bucket{le="1",app="web"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="web",status="Synced"}')).toBe(1);
    expect(sample(text, 'driftless_app_health_status{app="web",health="Healthy"}')).toBe(1);
    expect(sample(text, 'driftless_app_health_status{app="web",health="Degraded"}')).toBe(0);
    // A dry run counts but does not claim the cluster changed state.
    expect(sample(text, 'driftless_sync_total{app="api",phase="DryRun"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="api",status="Unknown"}')).toBe(1);

    m.syncFailed('api', 12);
    text = await scrape(m);
    expect(sample(text, 'driftless_sync_total{app="api",phase="Failed"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="api",status="Failed"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="api",status="Unknown"}')).toBe(0);
  });

  it('drift reports set the drift gauge and per-kind counts; a kind that stops drifting drops to 0; Unknown keeps the last figures', async () => {
    const m = new PrometheusMetrics();
    m.appsKnown(apps);
    m.syncFinished(result('web', 'Synced'), 1);
    m.driftReported(drift('web', 'OutOfSync', [['ConfigMap', 'a', 'modified'], ['ConfigMap', 'b', 'modified'], ['Deployment', 'web', 'missing']]));
    let text = await scrape(m);
    expect(sample(text, 'driftless_app_drift{app="web"}')).toBe(1);
    expect(sample(text, 'driftless_drift_objects{app="web",kind="ConfigMap",state="modified"}')).toBe(2);
    expect(sample(text, 'driftless_drift_objects{app="web",kind="Deployment",state="missing"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="web",status="OutOfSync"}')).toBe(1);
    expect(sample(text, 'driftless_app_sync_status{app="web",status="Synced"}')).toBe(0);
    // No object name label: two drifted ConfigMaps are one series.
    expect(text).not.toMatch(/name="a"/);

    m.driftReported(drift('web', 'Unknown'));
    text = await scrape(m);
    expect(sample(text, 'driftless_app_drift{app="web"}')).toBe(1);

    m.driftReported(drift('web', 'OutOfSync', [['Deployment', 'web', 'missing']]));
    text = await scrape(m);
    expect(sample(text, 'driftless_drift_objects{app="web",kind="ConfigMap",state="modified"}')).toBe(0);

    m.driftReported(drift('web', 'Synced'));
    text = await scrape(m);
    expect(sample(text, 'driftless_app_drift{app="web"}')).toBe(0);
    expect(sample(text, 'driftless_drift_objects{app="web",kind="Deployment",state="missing"}')).toBe(0);
    expect(sample(text, 'driftless_app_sync_status{app="web",status="Synced"}')).toBe(1);
  });

  it('a clean drift check does not hide a failed sync', async () => {
    const m = new PrometheusMetrics();
    m.appsKnown(apps);
    m.syncFailed('api', 1);
    m.driftReported(drift('api', 'Synced'));
    expect(sample(await scrape(m), 'driftless_app_sync_status{app="api",status="Failed"}')).toBe(1);
  });

  it('webhook, GitHub and cluster requests count by their bounded labels', async () => {
    const m = new PrometheusMetrics();
    m.webhookDelivery('push', 'queued');
    m.webhookDelivery('other', 'unauthorized');
    m.githubRequest(200, 4999);
    m.githubRequest(403, 0);
    m.githubRequest(200);
    m.clusterRequest('prod', 'apply', 200);
    m.clusterRequest('prod', 'apply', 200);
    m.clusterRequest('prod', 'get', 404);
    m.clusterRequest('prod', 'list', 'error');
    const text = await scrape(m);
    expect(sample(text, 'driftless_webhook_deliveries_total{event="push",result="queued"}')).toBe(1);
    expect(sample(text, 'driftless_webhook_deliveries_total{event="other",result="unauthorized"}')).toBe(1);
    expect(sample(text, 'driftless_github_api_requests_total{status="200"}')).toBe(2);
    expect(sample(text, 'driftless_github_api_requests_total{status="403"}')).toBe(1);
    // A response without the header leaves the last known figure.
    expect(sample(text, 'driftless_github_rate_limit_remaining')).toBe(0);
    expect(sample(text, 'driftless_cluster_api_requests_total{cluster="prod",verb="apply",code="200"}')).toBe(2);
    expect(sample(text, 'driftless_cluster_api_requests_total{cluster="prod",verb="get",code="404"}')).toBe(1);
    expect(sample(text, 'driftless_cluster_api_requests_total{cluster="prod",verb="list",code="error"}')).toBe(1);
  });

  it('names every series it exports', () => {
    expect(PrometheusMetrics.metricNames().sort()).toEqual([
      'driftless_app_drift', 'driftless_app_health_status', 'driftless_app_info', 'driftless_app_sync_status', 'driftless_cluster_api_requests_total',
      'driftless_drift_objects', 'driftless_github_api_requests_total', 'driftless_github_rate_limit_remaining', 'driftless_sync_duration_seconds',
      'driftless_sync_total', 'driftless_webhook_deliveries_total',
    ]);
  });
});
