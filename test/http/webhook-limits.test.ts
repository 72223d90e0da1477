import { connect, type Socket } from 'node:net';
import { Webhooks } from '@octokit/webhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type Listener } from '../../src/http/server.ts';
import { pushPayload } from '../support/push-payloads.ts';
import { harness, webhookSecret } from '../support/service-harness.ts';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(http: NonNullable<Parameters<typeof harness>[0]>['http'] = {}): Promise<{ listener: Listener; h: ReturnType<typeof harness> }> {
  const h = harness({ http });
  const listener = await listen(h.app, { port: 0 });
  cleanup.push(() => listener.stop(0));
  return { listener, h };
}

/** Sends the request line and headers (and optionally the start of a body), never the rest. */
function openRequest(listener: Listener, headers: Record<string, string>, partialBody = ''): { socket: Socket; response: Promise<string> } {
  const socket = connect(listener.port, '127.0.0.1');
  cleanup.push(() => void socket.destroy());
  const lines = ['POST /webhooks/github HTTP/1.1', `Host: 127.0.0.1:${listener.port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', partialBody];
  socket.write(lines.join('\r\n'));
  let text = '';
  const response = new Promise<string>((resolve) => {
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (/\r\n\r\n/.test(text)) resolve(text);
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
  return { socket, response };
}

const base = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-1' };

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('webhook route checks headers before reading the body (issue 8)', () => {
  it('no signature header: 401 at once, without waiting for a body that never comes', async () => {
    const { listener } = await serve();
    const started = Date.now();
    const { response } = openRequest(listener, { ...base, 'content-length': '5000' });
    const head = await response;
    expect(head).toMatch(/^HTTP\/1\.1 401/);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a declared length over the cap: 413 without reading', async () => {
    const { listener } = await serve({ maxBodyBytes: 1000 });
    const { response } = openRequest(listener, { ...base, 'x-hub-signature-256': 'sha256=00', 'content-length': '1001' });
    expect(await response).toMatch(/^HTTP\/1\.1 413/);
  });

  it('caps the bodies read at once: past the budget 503 with Retry-After; the budget comes back when they end', async () => {
    const { listener } = await serve({ maxBodyBytes: 20_000, maxBodyBytesInFlight: 80_000 });
    const slow = [0, 1, 2, 3].map(() => openRequest(listener, { ...base, 'x-hub-signature-256': 'sha256=00', 'content-length': '20000' }, '{"a":'));
    await waitFor(() => listener.inFlight() === 4);
    const { response } = openRequest(listener, { ...base, 'x-hub-signature-256': 'sha256=00', 'content-length': '20000' });
    const head = await response;
    expect(head).toMatch(/^HTTP\/1\.1 503/);
    expect(head.toLowerCase()).toMatch(/retry-after: \d+/);

    for (const { socket } of slow) socket.destroy();
    await waitFor(() => listener.inFlight() === 0);
    const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', after: 'a'.repeat(40), commits: [{ modified: ['overlays/staging/x.yaml'] }] }));
    const res = await fetch(`${listener.url}/webhooks/github`, {
      method: 'POST', body, headers: { ...base, 'x-github-delivery': 'd-2', 'x-hub-signature-256': await new Webhooks({ secret: webhookSecret }).sign(body) },
    });
    expect(res.status).toBe(202);
  });
});

describe('listener stop (issue 8)', () => {
  it('stops accepting, and a client trickling a body is cut off after the grace period', async () => {
    const { listener } = await serve();
    const { socket, response } = openRequest(listener, { ...base, 'x-hub-signature-256': 'sha256=00', 'content-length': '100000' }, '{');
    const trickle = setInterval(() => socket.write(' '), 50);
    cleanup.push(() => clearInterval(trickle));
    await waitFor(() => listener.inFlight() === 1);
    const started = Date.now();
    const { cutOff } = await listener.stop(300);
    expect(cutOff).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
    await response;
    expect(socket.destroyed || socket.readableEnded).toBe(true);
    await expect(fetch(`${listener.url}/healthz`)).rejects.toThrow();
  });

  it('lets a request in flight finish within the grace period', async () => {
    const { listener, h } = await serve();
    let release!: () => void;
    h.engine.gate = new Promise((r) => (release = r));
    const pending = fetch(`${listener.url}/apps/staging/sync?wait=true`, { method: 'POST', headers: { authorization: 'Bearer tok-alpha-7b21' } });
    await waitFor(() => listener.inFlight() === 1 && h.engine.running === 1);
    const stopping = listener.stop(5000);
    setTimeout(release, 100);
    expect((await pending).status).toBe(200);
    expect(await stopping).toEqual({ cutOff: 0 });
  });
});
