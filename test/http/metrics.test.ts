import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../src/adapters/metrics-prometheus/index.ts';
import { deliver, harness, tokens } from '../support/service-harness.ts';

function withMetrics(publicMetrics?: boolean) {
  const metrics = new PrometheusMetrics();
  const h = harness({ http: { metrics: () => metrics.render(), ...(publicMetrics !== undefined ? { publicMetrics } : {}) } });
  h.service.ctx.deps.metrics = metrics;
  return { h, metrics };
}

const count = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);

describe('GET /metrics', () => {
  it('needs a token unless publicMetrics; absent without a registry', async () => {
    const { h } = withMetrics();
    expect((await h.app.request('/metrics')).status).toBe(401);
    const ok = await h.app.request('/metrics', { headers: { authorization: `Bearer ${tokens[0]}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await withMetrics(true).h.app.request('/metrics')).status).toBe(200);
    expect((await harness().app.request('/metrics', { headers: { authorization: `Bearer ${tokens[0]}` } })).status).toBe(404);
  });

  it('counts each way a webhook delivery ends, by event (unknown events as other)', async () => {
    const { h, metrics } = withMetrics();
    expect((await deliver(h, 'ping', { zen: 'hi' })).status).toBe(200);
    expect((await deliver(h, 'issues', { action: 'opened' })).status).toBe(202);
    expect((await deliver(h, 'push', {}, { signature: 'sha256=00' })).status).toBe(401);
    expect((await deliver(h, 'push', {}, { raw: 'not json' })).status).toBe(400);
    const text = (await metrics.render()).body;
    expect(count(text, 'driftless_webhook_deliveries_total{event="ping",result="pong"}')).toBe(1);
    expect(count(text, 'driftless_webhook_deliveries_total{event="other",result="ignored"}')).toBe(1);
    expect(count(text, 'driftless_webhook_deliveries_total{event="push",result="unauthorized"}')).toBe(1);
    expect(count(text, 'driftless_webhook_deliveries_total{event="push",result="bad_request"}')).toBe(1);
    expect(text).not.toContain('issues');
  });
});
