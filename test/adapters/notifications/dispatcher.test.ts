import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotificationDispatcher } from '../../../src/adapters/notifications/dispatcher.ts';
import { verifyWebhook } from '../../../src/adapters/notifications/sign.ts';
import { MemoryStateStore } from '../../../src/adapters/state-memory/memory-state.ts';
import { DriftlessError } from '../../../src/core/errors.ts';
import type { NotificationConfig } from '../../../src/config/types.ts';
import type { NotificationEvent } from '../../../src/ports/notifier.ts';
import type { SecretRef, SecretResolver } from '../../../src/ports/secrets.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 that answers each request with the next scripted status (then 200). */
async function receiver(script: Array<{ status: number; headers?: Record<string, string> }> = []): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const next = script.shift() ?? { status: 200 };
      res.writeHead(next.status, next.headers ?? {}).end(next.status === 200 ? 'ok' : 'unavailable');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const secretValues: Record<string, string> = { WEBHOOK_KEY: 'whsec-test-key-0123456789', SLACK_URL: '' };
const secrets: SecretResolver = {
  async resolve(ref: SecretRef) {
    const name = 'env' in ref ? ref.env : '';
    const value = secretValues[name];
    if (value === undefined || value === '') throw new DriftlessError('SECRET_UNAVAILABLE', `environment variable ${name} is not set`);
    return value;
  },
};

const failed: NotificationEvent = {
  event: 'sync-failed', app: 'shop', at: '2026-03-01T12:00:00.000Z', summary: 'shop failed to sync main@1a2b3c4',
  revision: { ref: 'main', sha: '1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b' }, syncId: 'sync-1', message: 'RENDER_FAILED: kustomize build failed <x>',
};

function setup(sinks: NotificationConfig[], extra: { sleeps?: number[] } = {}) {
  const store = new MemoryStateStore();
  const logs: Array<{ m: string; f?: Record<string, unknown> }> = [];
  const log = { info: (m: string, f?: Record<string, unknown>) => void logs.push({ m, f }), warn: (m: string, f?: Record<string, unknown>) => void logs.push({ m, f }), error: (m: string, f?: Record<string, unknown>) => void logs.push({ m, f }) };
  const dispatcher = createNotificationDispatcher({
    sinks, secrets, store, log, publicUrl: 'https://driftless.example.com',
    policy: { attempts: 3, baseMs: 1, maxMs: 5, maxWaitMs: 5000 },
    sleep: async (ms) => void extra.sleeps?.push(ms),
  });
  return { dispatcher, store, logs };
}

describe('notification sinks over loopback', () => {
  it('Slack receives Block Kit blocks with a text fallback', async () => {
    const slack = await receiver();
    const { dispatcher, store } = setup([{ kind: 'slack', url: `${slack.url}/services/T/B/x` }]);
    dispatcher.notify(failed);
    await dispatcher.idle();
    expect(slack.received).toHaveLength(1);
    expect(slack.received[0]!.path).toBe('/services/T/B/x');
    expect(slack.received[0]!.headers['content-type']).toBe('application/json');
    const message = JSON.parse(slack.received[0]!.body) as { text: string; blocks: Array<{ type: string; text?: { type: string; text: string }; fields?: unknown[]; elements?: Array<{ url?: string }> }> };
    expect(message.text).toContain('Sync failed: shop');
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'actions', 'context']);
    // mrkdwn control characters are escaped; the button links to the status page.
    expect(JSON.stringify(message.blocks)).toContain('&lt;x&gt;');
    expect(message.blocks.find((b) => b.type === 'actions')?.elements?.[0]?.url).toBe('https://driftless.example.com/#app-shop');
    expect(await store.listNotifications()).toEqual([expect.objectContaining({ event: 'sync-failed', app: 'shop', sink: { index: 0, kind: 'slack' }, state: 'delivered', attempts: 1, status: 200 })]);
  });

  it('Teams receives an Adaptive Card 1.4 in the Workflows message envelope', async () => {
    const teams = await receiver([{ status: 202 }]);
    const { dispatcher, store } = setup([{ kind: 'teams', url: `${teams.url}/workflows/abc` }]);
    dispatcher.notify({ event: 'drift-opened', app: 'shop', at: failed.at, summary: 'shop drifted from Git: 1 object changed in the cluster', objects: 1 });
    await dispatcher.idle();
    const message = JSON.parse(teams.received[0]!.body) as { type: string; attachments: Array<{ contentType: string; content: Record<string, unknown> & { body: Array<Record<string, unknown>>; actions: Array<Record<string, unknown>> } }> };
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment!.content).toMatchObject({ $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4' });
    expect(attachment!.content.body[0]).toMatchObject({ type: 'TextBlock', text: 'Drift detected: shop', weight: 'Bolder' });
    expect(attachment!.content.body.find((b) => b.type === 'FactSet')).toMatchObject({ facts: expect.arrayContaining([{ title: 'Drifted objects', value: '1' }]) });
    expect(attachment!.content.actions[0]).toMatchObject({ type: 'Action.OpenUrl', url: 'https://driftless.example.com/#app-shop' });
    expect((await store.listNotifications())[0]).toMatchObject({ state: 'delivered', status: 202 });
  });

  it('the generic webhook is signed over timestamp.body; the signature verifies and a changed body or old timestamp does not', async () => {
    const hook = await receiver();
    const { dispatcher } = setup([{ kind: 'webhook', url: `${hook.url}/driftless`, secret: { env: 'WEBHOOK_KEY' } }]);
    dispatcher.notify(failed);
    await dispatcher.idle();
    const [request] = hook.received;
    const timestamp = request!.headers['x-driftless-timestamp'] as string;
    const signature = request!.headers['x-driftless-signature'] as string;
    expect(timestamp).toMatch(/^\d{10}$/);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(request!.headers['x-driftless-event']).toBe('sync-failed');
    expect(request!.headers['x-driftless-delivery']).toMatch(/^[0-9a-f-]{36}\.0$/);
    const key = secretValues.WEBHOOK_KEY!;
    expect(verifyWebhook(key, { timestamp, signature }, request!.body)).toBe(true);
    expect(verifyWebhook(key, { timestamp, signature }, request!.body.replace('shop', 'shoq'))).toBe(false);
    expect(verifyWebhook('another-key', { timestamp, signature }, request!.body)).toBe(false);
    // A replay ten minutes later is refused by the timestamp.
    expect(verifyWebhook(key, { timestamp, signature }, request!.body, { now: Date.now() + 600_000 })).toBe(false);
    expect(JSON.parse(request!.body)).toMatchObject({ id: request!.headers['x-driftless-delivery'], event: 'sync-failed', app: 'shop', syncId: 'sync-1', revision: { sha: failed.revision!.sha } });
    // The key never travels.
    expect(JSON.stringify(request!.headers) + request!.body).not.toContain(key);
  });

  it('retries a 503 (honouring Retry-After), then records the delivery', async () => {
    const hook = await receiver([{ status: 503, headers: { 'retry-after': '2' } }, { status: 503 }]);
    const sleeps: number[] = [];
    const { dispatcher, store, logs } = setup([{ kind: 'slack', url: hook.url }], { sleeps });
    dispatcher.notify(failed);
    await dispatcher.idle();
    expect(hook.received).toHaveLength(3);
    expect(sleeps[0]).toBe(2000);
    expect(sleeps).toHaveLength(2);
    expect((await store.listNotifications())[0]).toMatchObject({ state: 'delivered', attempts: 3, status: 200 });
    expect(logs.filter((l) => l.m === 'notification retry')).toHaveLength(2);
  });

  it('a permanent 4xx is not retried; a dead sink is recorded as failed without its URL; other sinks still get the event', async () => {
    const gone = await receiver([{ status: 404 }]);
    const alive = await receiver();
    const dead = await receiver();
    const deadUrl = dead.url;
    await new Promise((resolve) => dead.server.close(resolve));
    secretValues.SLACK_URL = `${deadUrl}/secret-path-token`;
    const { dispatcher, store, logs } = setup([
      { kind: 'slack', url: gone.url },
      { kind: 'slack', url: { env: 'SLACK_URL' } },
      { kind: 'teams', url: alive.url },
    ]);
    dispatcher.notify(failed);
    await dispatcher.idle();
    expect(gone.received).toHaveLength(1);
    expect(alive.received).toHaveLength(1);
    const records = await store.listNotifications();
    expect(records.find((r) => r.sink.index === 0)).toMatchObject({ state: 'failed', attempts: 1, status: 404, error: 'HTTP 404' });
    expect(records.find((r) => r.sink.index === 1)).toMatchObject({ state: 'failed', attempts: 3, error: 'connection failed (ECONNREFUSED)' });
    expect(records.find((r) => r.sink.index === 2)).toMatchObject({ state: 'delivered' });
    const everything = JSON.stringify({ records, logs });
    expect(everything).not.toContain('secret-path-token');
    expect(everything).not.toContain(deadUrl.replace('http://', ''));
  });

  it('a URL from a secret must be https (or loopback http); the refusal names the reference only', async () => {
    secretValues.SLACK_URL = 'http://hooks.example.com/secret-path-token';
    const { dispatcher, store } = setup([{ kind: 'slack', url: { env: 'SLACK_URL' } }]);
    dispatcher.notify(failed);
    await dispatcher.idle();
    const [record] = await store.listNotifications();
    expect(record).toMatchObject({ state: 'failed', attempts: 0, error: expect.stringContaining('environment variable SLACK_URL') });
    expect(record!.error).not.toContain('secret-path-token');
  });

  it('a signing secret that cannot be read fails that sink only, naming the reference', async () => {
    const hook = await receiver();
    const { dispatcher, store } = setup([{ kind: 'webhook', url: hook.url, secret: { env: 'MISSING_KEY' } }, { kind: 'slack', url: hook.url }]);
    dispatcher.notify(failed);
    await dispatcher.idle();
    expect(hook.received).toHaveLength(1);
    expect((await store.listNotifications()).find((r) => r.sink.index === 0)).toMatchObject({ state: 'failed', attempts: 0, error: 'environment variable MISSING_KEY is not set' });
  });

  it('filters by app and event', async () => {
    const hook = await receiver();
    const { dispatcher } = setup([
      { kind: 'slack', url: `${hook.url}/shop-only`, apps: ['shop'] },
      { kind: 'slack', url: `${hook.url}/drift-only`, events: ['drift-opened', 'drift-closed'] },
      { kind: 'slack', url: `${hook.url}/all` },
    ]);
    dispatcher.notify(failed);
    dispatcher.notify({ ...failed, app: 'billing' });
    dispatcher.notify({ event: 'drift-closed', app: 'billing', at: failed.at, summary: 'billing matches Git again' });
    await dispatcher.idle();
    const byPath = (p: string) => hook.received.filter((r) => r.path === p).map((r) => (JSON.parse(r.body) as { text: string }).text.split(':').slice(0, 2).join(':'));
    expect(byPath('/shop-only')).toEqual(['Sync failed: shop']);
    expect(byPath('/drift-only')).toEqual(['Drift resolved: billing']);
    expect(byPath('/all').sort()).toEqual(['Drift resolved: billing', 'Sync failed: billing', 'Sync failed: shop']);
  });
});
