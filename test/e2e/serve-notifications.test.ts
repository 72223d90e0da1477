import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/adapters/notifications/sign.ts';
import type { SecretResolver } from '../../src/ports/secrets.ts';
import { silentLogger } from '../../src/service/engine.ts';
import { startServer } from '../../src/wiring/serve.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { sha } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

const token = 'e2e-notify-token';
const hookKey = 'e2e-notify-hook-key-0123456789';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function receiver(): Promise<{ url: string; received: Array<{ headers: IncomingHttpHeaders; body: string }> }> {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('driftless serve sends notifications and serves the status page', () => {
  it('a failing sync reaches Slack (URL from a secret) and the signed webhook once; deliveries are in SQLite and on the page', async () => {
    const slack = await receiver();
    const hook = await receiver();
    const secrets: SecretResolver = {
      resolve: async (ref) => {
        if ('env' in ref && ref.env === 'SLACK_URL') return `${slack.url}/services/T0/B0/secret`;
        if ('env' in ref && ref.env === 'HOOK_KEY') return hookKey;
        if ('env' in ref && ref.env === 'API_TOKENS') return token;
        return 'unused';
      },
    };
    const config = {
      ...serviceConfig([appConfig('staging')]),
      notifications: [
        { kind: 'slack' as const, url: { env: 'SLACK_URL' } },
        { kind: 'webhook' as const, url: `${hook.url}/driftless`, secret: { env: 'HOOK_KEY' }, events: ['sync-failed' as const] },
      ],
    };
    const dataDir = mkdtempSync(path.join(tmpdir(), 'driftless-notify-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const engine = new FakeEngine();
    engine.refs.set('main', sha(4));
    const server = await startServer({ config, dataDir, port: 0, engine, secrets, log: silentLogger, pollIntervalMs: 0, reporter: false });
    let closed = false;
    cleanup.push(async () => void (closed || (await server.close())));
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    engine.failNext('RENDER_FAILED', false);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}/apps/staging/sync?wait=true`, { method: 'POST', headers: auth, body: '{}' });
      expect(res.status).toBe(200);
      if (i === 0) engine.failNext('RENDER_FAILED', false);
    }
    const ok = await fetch(`${server.url}/apps/staging/sync?wait=true`, { method: 'POST', headers: auth, body: '{}' });
    expect(await ok.json()).toMatchObject({ status: 'Synced' });
    // close() waits for deliveries in flight.
    await server.close();
    closed = true;

    const slackEvents = slack.received.map((r) => (JSON.parse(r.body) as { text: string }).text.split(':')[0]);
    expect(slackEvents).toEqual(['Sync failed', 'Sync recovered']);
    expect(hook.received).toHaveLength(1);
    const [signed] = hook.received;
    expect(verifyWebhook(hookKey, { timestamp: signed!.headers['x-driftless-timestamp'] as string, signature: signed!.headers['x-driftless-signature'] as string }, signed!.body)).toBe(true);

    const again = await startServer({ config, dataDir, port: 0, engine, secrets, log: silentLogger, pollIntervalMs: 0, reporter: false });
    cleanup.push(() => again.close());
    const listed = (await (await fetch(`${again.url}/notifications`, { headers: auth })).json()) as { notifications: Array<{ event: string; sink: { kind: string }; state: string }> };
    // The two deliveries of one event run side by side: their order is not fixed, the recovery is newest.
    expect(listed.notifications[0]).toMatchObject({ event: 'sync-recovered', sink: { kind: 'slack' }, state: 'delivered' });
    expect(listed.notifications.slice(1).map((n) => `${n.event} ${n.sink.kind} ${n.state}`).sort()).toEqual(['sync-failed slack delivered', 'sync-failed webhook delivered']);
    expect(JSON.stringify(listed)).not.toContain('secret');
    const page = await fetch(`${again.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('staging');
    expect(html).not.toContain('Notifications');
  });
});
