import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import { PrometheusMetrics } from '../../src/adapters/metrics-prometheus/index.ts';
import { handleDriftReport } from '../../src/service/drift.ts';
import { createInProcessService } from '../../src/wiring/in-process.ts';
import { driftReport } from '../support/drift-reports.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

const value = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);

describe('drift reports move the drift series', () => {
  it('each report handled (serve timer or scheduled function) sets driftless_app_drift and the per-kind counts', async () => {
    const app = appConfig('api');
    const metrics = new PrometheusMetrics();
    metrics.appsKnown([{ app: 'api', repository: 'gitops', cluster: 'local', namespace: 'api' }]);
    const { service } = createInProcessService({ config: serviceConfig([app]), store: new MemoryStateStore(), engine: new FakeEngine(), metrics });
    await handleDriftReport(service.ctx, app, driftReport('api', 'OutOfSync'));
    let text = (await metrics.render()).body;
    expect(value(text, 'driftless_app_drift{app="api"}')).toBe(1);
    expect(value(text, 'driftless_drift_objects{app="api",kind="Deployment",state="modified"}')).toBe(1);
    expect(value(text, 'driftless_app_sync_status{app="api",status="OutOfSync"}')).toBe(1);
    await handleDriftReport(service.ctx, app, driftReport('api', 'Synced'));
    text = (await metrics.render()).body;
    expect(value(text, 'driftless_app_drift{app="api"}')).toBe(0);
    expect(value(text, 'driftless_drift_objects{app="api",kind="Deployment",state="modified"}')).toBe(0);
  });
});
