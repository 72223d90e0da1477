import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhooks } from '@octokit/webhooks';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import { startServer, type RunningServer } from '../../src/wiring/serve.ts';
import type { SecretResolver } from '../../src/ports/secrets.ts';
import { silentLogger } from '../../src/service/engine.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { pushPayload, sha } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

const secret = 'e2e-webhook-secret';
const token = 'e2e-token';
const secrets: SecretResolver = { resolve: async (ref) => ('env' in ref && ref.env === 'WEBHOOK_SECRET' ? secret : `${token},other`) };
const config = serviceConfig([appConfig('staging', { path: 'overlays/staging' }), appConfig('production', { path: 'overlays/production' })]);

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function start(dataDir: string, engine: FakeEngine): Promise<RunningServer> {
  const server = await startServer({ config, dataDir, port: 0, engine, secrets, log: silentLogger, pollIntervalMs: 0 });
  cleanup.push(async () => void (await server.close()));
  return server;
}

const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

describe('driftless serve over a real socket', () => {
  it('signed push → 202 → sync; manual rollback pins; unpin; state survives a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'driftless-serve-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const engine = new FakeEngine();
    engine.refs.set('main', sha(2));
    const server = await start(dataDir, engine);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', after: sha(2), commits: [{ modified: ['overlays/staging/a.yaml'] }] }));
    const signature = await new Webhooks({ secret }).sign(body);
    const headers = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'e2e-1', 'x-hub-signature-256': signature };
    const res = await fetch(`${server.url}/webhooks/github`, { method: 'POST', headers, body });
    expect(res.status).toBe(202);
    const { syncs } = (await res.json()) as { syncs: string[] };
    await server.queue.idle();
    const sync = (await (await fetch(`${server.url}/syncs/${syncs[0]}`, { headers: auth })).json()) as Record<string, unknown>;
    expect(sync).toMatchObject({ state: 'succeeded', revision: { sha: sha(2) }, trigger: { kind: 'push', delivery: 'e2e-1' } });
    expect((await fetch(`${server.url}/webhooks/github`, { method: 'POST', headers, body })).status).toBe(200);

    const rollback = await fetch(`${server.url}/apps/staging/sync?wait=true`, { method: 'POST', headers: auth, body: JSON.stringify({ revision: sha(1) }) });
    expect(rollback.status).toBe(200);
    expect(await rollback.json()).toMatchObject({ status: 'Synced', revision: { sha: sha(1) } });
    await server.close();

    const again = await start(dataDir, engine);
    const status = (await (await fetch(`${again.url}/apps/staging`, { headers: auth })).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'Synced', revision: { sha: sha(1) }, pinned: { revision: sha(1) } });
    const redelivered = await fetch(`${again.url}/webhooks/github`, { method: 'POST', headers, body });
    expect(await redelivered.json()).toMatchObject({ result: 'duplicate' });

    const unpin = await fetch(`${again.url}/apps/staging/unpin`, { method: 'POST', headers: auth });
    expect(unpin.status).toBe(200);
    await again.queue.idle();
    const after = (await (await fetch(`${again.url}/apps`, { headers: auth })).json()) as { apps: Array<Record<string, unknown>> };
    expect(after.apps.find((a) => a.name === 'staging')).toMatchObject({ revision: { sha: sha(2) } });
    expect(after.apps.find((a) => a.name === 'staging')).not.toHaveProperty('pinned');
  });

  it('413 over a socket, declared or streamed, then the server keeps serving', async () => {
    const engine = new FakeEngine();
    const server = await startServer({ config, store: new MemoryStateStore(), port: 0, engine, secrets, log: silentLogger, pollIntervalMs: 0, maxBodyBytes: 64 * 1024 });
    cleanup.push(async () => void (await server.close()));
    const headers = { 'x-github-event': 'push', 'x-github-delivery': 'big', 'x-hub-signature-256': 'sha256=00' };
    const declared = await fetch(`${server.url}/webhooks/github`, { method: 'POST', headers, body: 'x'.repeat(200 * 1024) });
    expect(declared.status).toBe(413);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 1024 * 1024) return controller.close();
        sent += 16 * 1024;
        controller.enqueue(new Uint8Array(16 * 1024));
      },
    });
    const streamed = await fetch(`${server.url}/webhooks/github`, { method: 'POST', headers, body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body over 65536 bytes' } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await server.store.getDelivery('big')).toBeUndefined();
  });

  it('the poller enqueues a moved head without any webhook', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'driftless-serve-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const engine = new FakeEngine();
    engine.refs.set('main', sha(5));
    const server = await startServer({ config, dataDir, port: 0, engine, secrets, log: silentLogger, pollIntervalMs: 20 });
    cleanup.push(async () => void (await server.close()));
    await expect.poll(() => engine.syncs.length, { timeout: 5000, interval: 10 }).toBe(2);
    expect(engine.syncs.every((s) => s.request.trigger.kind === 'poll' && s.request.revision.sha === sha(5))).toBe(true);
  });

  it('a locked database answers 503 with Retry-After; a corrupt one fails /healthz with the reason (issue 8)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'driftless-serve-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await start(dataDir, new FakeEngine());
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });

    const other = new Database(path.join(dataDir, 'state.db'));
    other.exec('BEGIN IMMEDIATE');
    const busy = await fetch(`${server.url}/apps/staging/sync`, { method: 'POST', headers: auth, body: '{}' });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('STATE_UNAVAILABLE');
    const locked = await fetch(`${server.url}/healthz`, { headers: auth });
    expect(locked.status).toBe(503);
    expect(((await locked.json()) as { reason: string }).reason).toContain('locked');
    other.exec('ROLLBACK');
    other.close();

    const file = path.join(dataDir, 'state.db');
    writeFileSync(file, Buffer.concat([readFileSync(file).subarray(0, 100), Buffer.alloc(Math.max(4096, statSync(file).size - 100), 0xab)]));
    await new Promise((r) => setTimeout(r, 5100));
    const corrupt = await fetch(`${server.url}/healthz`, { headers: auth });
    expect(corrupt.status).toBe(503);
    expect(((await corrupt.json()) as { reason: string }).reason).toMatch(/state\.db: SQLITE_(NOTADB|CORRUPT)/);
  });
});
