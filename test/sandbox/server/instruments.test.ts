import { mkdtempSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call, cm } from './helpers.ts';

const cms = '/api/v1/namespaces/default/configmaps';

describe('sandbox instruments: request counters, faults, latency, state', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false });
  });
  afterAll(() => sb.stop());

  it('counts client API requests by verb, writes, dry runs and discovery; /_sandbox needs no token', async () => {
    expect((await call(sb, 'POST', '/_sandbox/requests/reset', { token: null })).status).toBe(200);
    await call(sb, 'GET', '/version');
    await call(sb, 'GET', '/apis');
    await call(sb, 'GET', '/openapi/v3');
    await call(sb, 'POST', cms, { body: cm('count') });
    await call(sb, 'POST', `${cms}?dryRun=All`, { body: cm('count-dry') });
    await call(sb, 'GET', `${cms}/count`);
    await call(sb, 'GET', cms);
    await call(sb, 'PATCH', `${cms}/count`, { body: { data: { b: '1' } }, contentType: 'application/merge-patch+json' });
    await call(sb, 'DELETE', `${cms}/count`);
    const counts = (await call(sb, 'GET', '/_sandbox/requests', { token: null })).json;
    expect(counts).toEqual({
      total: 9, writes: 3, dryRun: 1, discovery: 3,
      byVerb: { get: 4, list: 1, watch: 0, create: 2, update: 0, patch: 1, delete: 1, deletecollection: 0 },
      // node:https speaks HTTP/1.1 (no ALPN); connections opened before the reset are not counted again.
      byProtocol: { h2: 0, 'http/1.1': 9 }, connections: { h2: 0, 'http/1.1': expect.any(Number) },
    });
  });

  it('injects 429 with Retry-After, 500 and 503 for the next N matching requests', async () => {
    await call(sb, 'POST', '/_sandbox/faults', { token: null, body: { verb: 'list', resource: 'configmaps', count: 2, kind: '429', retryAfterSeconds: 3 } });
    const first = await call(sb, 'GET', cms);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('3');
    expect(first.json).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
    expect((await call(sb, 'GET', '/api/v1/namespaces')).status).toBe(200);
    expect((await call(sb, 'GET', cms)).status).toBe(429);
    expect((await call(sb, 'GET', cms)).status).toBe(200);
    await call(sb, 'POST', '/_sandbox/faults', { token: null, body: { count: 1, kind: '500' } });
    expect((await call(sb, 'GET', cms)).json.reason).toBe('InternalError');
    await call(sb, 'POST', '/_sandbox/faults', { token: null, body: { verb: 'create', count: 1, kind: '503' } });
    expect((await call(sb, 'POST', cms, { body: cm('later') })).status).toBe(503);
    expect((await call(sb, 'POST', cms, { body: cm('later') })).status).toBe(201);
  });

  it('resets the connection or delays the request for "reset" and "delay" faults', async () => {
    await call(sb, 'POST', '/_sandbox/faults', { token: null, body: { verb: 'get', resource: 'configmaps', count: 1, kind: 'reset' } });
    await expect(call(sb, 'GET', `${cms}/later`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    await call(sb, 'POST', '/_sandbox/faults', { token: null, body: { count: 1, kind: 'delay', delayMs: 300 } });
    const started = Date.now();
    expect((await call(sb, 'GET', `${cms}/later`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('rejects a fault of unknown kind with 400', async () => {
    expect((await call(sb, 'POST', '/_sandbox/faults', { token: null, body: { kind: 'boom', count: 1 } })).status).toBe(400);
  });

  it('delays every API request by --latency', async () => {
    const slow = await startSandbox({ controllers: false, latencyMs: 150, http: true });
    const started = Date.now();
    await call(slow, 'GET', '/api/v1/namespaces');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await slow.stop();
  });

  it('persists objects atomically with --state and restores them, resourceVersions included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
    const statePath = join(dir, 'state.json');
    const first = await startSandbox({ controllers: false, statePath, http: true });
    const created = (await call(first, 'POST', cms, { body: cm('kept') })).json;
    await first.stop();
    expect(existsSync(statePath)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const second = await startSandbox({ controllers: false, statePath, http: true });
    const got = await call(second, 'GET', `${cms}/kept`);
    expect(got.json.metadata.uid).toBe(created.metadata.uid);
    expect(got.json.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const next = (await call(second, 'POST', cms, { body: cm('after') })).json;
    expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    await second.stop();
  });
});
