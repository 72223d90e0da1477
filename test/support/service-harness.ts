import { Webhooks } from '@octokit/webhooks';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import type { AppConfig } from '../../src/config/types.ts';
import { createApp, type HttpDeps } from '../../src/http/app.ts';
import type { SyncQueue } from '../../src/ports/queue.ts';
import { InProcessSyncQueue } from '../../src/adapters/queue-memory/in-process-queue.ts';
import type { Logger } from '../../src/service/engine.ts';
import { DriftlessService } from '../../src/service/service.ts';
import { FakeEngine } from './fake-engine.ts';
import { appConfig, serviceConfig } from './service-fixtures.ts';

export const webhookSecret = 'wh-secret-value-3f9a';
export const tokens = ['tok-alpha-7b21', 'tok-beta-c4d0'];

export interface Harness {
  app: ReturnType<typeof createApp>;
  service: DriftlessService;
  queue: InProcessSyncQueue;
  store: MemoryStateStore;
  engine: FakeEngine;
  logs: string[];
  /** When true, enqueue fails (as an unreachable SQS would). */
  breakQueue: { broken: boolean };
}

export function harness(options: { apps?: AppConfig[]; http?: Partial<HttpDeps> } = {}): Harness {
  const apps = options.apps ?? [appConfig('staging', { path: 'overlays/staging' }), appConfig('production', { path: 'overlays/production' })];
  const config = serviceConfig(apps);
  const store = new MemoryStateStore();
  const engine = new FakeEngine();
  engine.refs.set('main', 'a'.repeat(40));
  const logs: string[] = [];
  const log: Logger = {
    info: (m, f) => void logs.push(JSON.stringify({ m, f })),
    warn: (m, f) => void logs.push(JSON.stringify({ m, f })),
    error: (m, f) => void logs.push(JSON.stringify({ m, f })),
  };
  const queue = new InProcessSyncQueue({
    sleep: async () => {},
    run: (r) => service.runRequest(r),
    onCoalesced: (d, i) => service.recordCoalesced(d, i),
    onFailed: (r, e) => service.recordFailure(r, e),
  });
  const breakQueue = { broken: false };
  const flaky: SyncQueue = {
    enqueue: async (request) => {
      if (breakQueue.broken) throw new Error('queue down');
      await queue.enqueue(request);
    },
  };
  const service = new DriftlessService({ config, store, queue: flaky, engine, log });
  const app = createApp({
    service, log, publicRead: false,
    webhookSecret: async () => webhookSecret,
    apiTokens: async () => tokens,
    ...options.http,
  });
  return { app, service, queue, store, engine, logs, breakQueue };
}

const signer = new Webhooks({ secret: webhookSecret });
let deliveries = 0;

export async function deliver(
  h: Harness,
  event: string,
  payload: unknown,
  options: { id?: string; secret?: string; signature?: string | null; raw?: string } = {},
): Promise<Response> {
  const body = options.raw ?? JSON.stringify(payload);
  const signature = options.signature === undefined
    ? await (options.secret ? new Webhooks({ secret: options.secret }) : signer).sign(body)
    : options.signature;
  const headers: Record<string, string> = {
    'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': options.id ?? `delivery-${++deliveries}`,
  };
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return h.app.request('/webhooks/github', { method: 'POST', headers, body });
}

export async function api(h: Harness, method: string, path: string, options: { token?: string | null; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = options.token === undefined ? tokens[0] : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return h.app.request(path, { method, headers, body });
}
