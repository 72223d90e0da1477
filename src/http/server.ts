import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { SqliteStateStore } from '../adapters/state-sqlite/sqlite-state.ts';
import type { DriftlessConfig } from '../config/types.ts';
import type { Reporter } from '../ports/reporter.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import type { StateStore } from '../ports/state.ts';
import type { InProcessSyncQueue } from '../queue/in-process-queue.ts';
import { jsonLogger, type Engine, type Logger } from '../service/engine.ts';
import { createInProcessService } from '../service/in-process.ts';
import type { Poller } from '../service/poller.ts';
import { createRuntimeEngine } from '../service/runtime-engine.ts';
import type { DriftlessService } from '../service/service.ts';
import { createRuntime } from '../wiring/runtime.ts';
import { createApp } from './app.ts';
import { createConfiguredReporter, type ConfiguredReporter } from './reporting.ts';
import { httpSecrets } from './secrets.ts';

export interface ServeOptions {
  config: DriftlessConfig;
  /** SQLite state lives here (default ./.driftless). */
  dataDir?: string;
  port?: number;
  /** Default 127.0.0.1: exposing the API is an explicit choice. */
  host?: string;
  /** Default: the engine over the composition root (sources, renderer, clusters from the config). */
  engine?: Engine;
  /** Default: commit statuses and Deployments for apps in GitHub repositories; `false` turns reporting off. */
  reporter?: Reporter | false;
  secrets?: SecretResolver;
  store?: StateStore;
  log?: Logger;
  /** Milliseconds between polls; default server.pollInterval seconds; 0 turns polling off. */
  pollIntervalMs?: number;
  /** Syncs of different apps at the same time (default 4). */
  concurrency?: number;
  /** Webhook body cap (default 25 MB, GitHub's own cap). */
  maxBodyBytes?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  service: DriftlessService;
  queue: InProcessSyncQueue;
  store: StateStore;
  /** Stops taking requests, stops polling, lets running syncs finish, closes the store. */
  close(): Promise<void>;
}

/** `driftless serve` as a function: HTTP API + in-process queue worker + poller over one state store. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { config } = options;
  const log = options.log ?? jsonLogger();
  const runtime = options.engine && options.secrets ? undefined : createRuntime(config, { diskCache: true, ...(options.secrets ? { secrets: options.secrets } : {}) });
  const secrets = options.secrets ?? runtime!.secrets;
  const engine = options.engine ?? createRuntimeEngine(runtime!);
  const configured: ConfiguredReporter | undefined = options.reporter === undefined ? createConfiguredReporter(config, secrets, log) : undefined;
  const reporter: Reporter | undefined = options.reporter === false ? undefined : (options.reporter ?? configured);
  const store = options.store ?? new SqliteStateStore(path.resolve(options.dataDir ?? '.driftless'));
  const { service, queue } = createInProcessService(
    { config, store, engine, log, ...(reporter ? { reporter } : {}) },
    { concurrency: options.concurrency ?? 4 },
  );
  const resumed = await service.resumeInterrupted();
  const { webhookSecret, apiTokens } = httpSecrets(config.server, secrets);
  const app = createApp({ service, webhookSecret, apiTokens, publicRead: config.server.publicRead, log, ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}) });

  const host = options.host ?? '127.0.0.1';
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const intervalMs = options.pollIntervalMs ?? config.server.pollInterval * 1000;
  let poller: Poller | undefined;
  if (intervalMs > 0) poller = service.startPolling(intervalMs);
  log.info('serving', { url, dataDir: options.dataDir, apps: config.apps.length, pollIntervalMs: intervalMs, resumedSyncs: resumed.length });

  let closing: Promise<void> | undefined;
  return {
    url, port, service, queue, store,
    close() {
      closing ??= (async () => {
        poller?.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        });
        await queue.close();
        // Statuses already queued still reach GitHub before we exit.
        await configured?.flush();
        await store.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
}
