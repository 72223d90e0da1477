import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaObservability } from '../../src/wiring/observability.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

afterEach(() => vi.restoreAllMocks());

describe('lambdaObservability', () => {
  it('logs through Powertools at the level the environment sets, and flush writes the EMF lines counted so far', () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
    const { log, metrics, flush } = lambdaObservability(serviceConfig([appConfig('web')], { logLevel: 'debug' }), { DRIFTLESS_LOG_LEVEL: 'warn' });
    log.info('dropped');
    log.warn('kept', { app: 'web' });
    metrics.webhookDelivery('push', 'queued');
    const logged = [...out, ...err].map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toEqual([expect.objectContaining({ level: 'WARN', message: 'kept', app: 'web', service: 'driftless' })]);
    const before = out.length;
    flush();
    const emf = out.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf).toEqual([expect.objectContaining({ result: 'queued', WebhookDeliveries: 1 })]);
  });
});
