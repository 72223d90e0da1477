import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import type { Logger } from '../../src/service/engine.ts';
import { createLambdaWorker } from '../../src/wiring/lambda-worker.ts';
import { createConfiguredNotifier } from '../../src/wiring/notifications.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const servers: Server[] = [];
afterEach(async () => void (await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))));

describe('configured notifications', () => {
  it('none configured: no notifier', () => {
    expect(createConfiguredNotifier(serviceConfig([]), createLocalSecretResolver({ baseDir: '/tmp', env: {} }), new MemoryStateStore(), silent)).toBeUndefined();
  });

  it('the Lambda worker has delivered (and recorded) the notification once flush() resolves', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      // Answer late: flush() must wait for it, not merely for the request to leave.
      req.on('end', () => setTimeout(() => void (bodies.push(body), res.writeHead(200).end('ok')), 150));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const store = new MemoryStateStore();
    const engine = new FakeEngine();
    engine.refs.set('main', 'b'.repeat(40));
    engine.failNext('RENDER_FAILED', false);
    const worker = createLambdaWorker({
      config: { ...serviceConfig([appConfig('staging')]), notifications: [{ kind: 'slack', url }] },
      store, queue: { enqueue: async () => {} }, engine, reporting: false, log: silent, maxReceiveCount: 3,
      secrets: createLocalSecretResolver({ baseDir: '/tmp', env: {} }), retryLater: async () => {},
    });
    await worker.run({ id: 's1', app: 'staging', trigger: { kind: 'push', delivery: 'd1' }, enqueuedAt: '2026-12-02T08:00:00.000Z' });
    await worker.flush();
    expect(bodies.map((b) => (JSON.parse(b) as { text: string }).text.split(':')[0])).toEqual(['Sync failed']);
    expect(await store.listNotifications()).toEqual([expect.objectContaining({ event: 'sync-failed', state: 'delivered' })]);
  });
});
