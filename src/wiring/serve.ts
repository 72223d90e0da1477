import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createThrottledWriter, type DriftIssueBody } from '../adapters/github/index.ts';
import type { InProcessSyncQueue } from '../adapters/queue-memory/in-process-queue.ts';
import { lockDataDir, type DataDirLock } from '../adapters/state-sqlite/lock.ts';
import { SqliteStateStore } from '../adapters/state-sqlite/sqlite-state.ts';
import type { DriftlessConfig } from '../config/types.ts';
import { createApp } from '../http/app.ts';
import { httpSecrets } from './http-secrets.ts';
import { asSecretCache } from '../secrets/cache.ts';
import { listen } from '../http/server.ts';
import type { DriftCheck, DriftRunner } from '../drift/runner.ts';
import type { DriftNotifier } from '../ports/drift-notifier.ts';
import { PrometheusMetrics } from '../adapters/metrics-prometheus/index.ts';
import type { Reporter } from '../ports/reporter.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import type { AppStatusRecord, StateStore } from '../ports/state.ts';
import type { AppInfo } from '../ports/metrics.ts';
import { createJsonLogger } from '../adapters/log-json/index.ts';
import { resolveLogLevel } from '../ports/logger.ts';
import type { Engine, Logger } from '../service/engine.ts';
import type { Poller } from '../service/poller.ts';
import type { DriftlessService } from '../service/service.ts';
import type { DriftTimer } from '../service/drift.ts';
import { createConfiguredDriftNotifier } from './drift.ts';
import { checkAppDrift } from '../drift/check.ts';
import { driftMarkdown } from '../drift/markdown.ts';
import type { NotificationDispatcher } from '../adapters/notifications/dispatcher.ts';
import { createConfiguredNotifier } from './notifications.ts';
import { createInProcessService } from './in-process.ts';
import { createConfiguredReporter, type ConfiguredReporter } from './reporting.ts';
import { startRetention } from './retention.ts';
import { createRuntimeEngine } from './runtime-engine.ts';
import { createRuntime } from './runtime.ts';

/** The systems serve talks to; each defaults to the local one (SQLite, the config's sources and clusters, GitHub). */
export interface ServeAdapters {
  /** Default: SQLite in `dataDir`, which this process then locks. */
  store?: StateStore;
  /** Default: the engine over the composition root (sources, renderer, clusters from the config). */
  engine?: Engine;
  /** Default: commit statuses and Deployments for apps in GitHub repositories; `false` turns reporting off. */
  reporter?: Reporter | false;
  /** Default: {env:} and {file:} resolved locally. */
  secrets?: SecretResolver;
  /**
   * The drift check of one app. Default: src/drift/check.ts `checkAppDrift` over the config's
   * sources and clusters (none when `engine` and `secrets` are both given: the caller composes).
   */
  driftCheck?: DriftCheck;
  /** Markdown of a drift issue. Default: src/drift/markdown.ts `driftMarkdown` (what `driftless drift --markdown` prints). */
  driftIssueBody?: DriftIssueBody;
  /** Default: GitHub issues for apps in GitHub repositories (server.driftIssues / app driftIssues); `false`: none. */
  driftNotifier?: DriftNotifier | false;
  /** Default: a fresh registry. Pass the one given to createRuntime to count that engine's GitHub and cluster requests. */
  metrics?: PrometheusMetrics;
}

export interface ServeOptions extends ServeAdapters {
  config: DriftlessConfig;
  /** SQLite state lives here (default ./.driftless). */
  dataDir?: string;
  port?: number;
  /** Default 127.0.0.1: exposing the API is an explicit choice. */
  host?: string;
  /** Default: JSON lines on stderr at server.logLevel (DRIFTLESS_LOG_LEVEL, LOG_LEVEL override it). */
  log?: Logger;
  /** Milliseconds between polls; default server.pollInterval seconds; 0 turns polling off. */
  pollIntervalMs?: number;
  /** Syncs of different apps at the same time (default 4). */
  concurrency?: number;
  /** Milliseconds between drift runs; default server.driftInterval seconds; 0 turns drift checks off. */
  driftIntervalMs?: number;
  /** Apps checked for drift at the same time (default 4). */
  driftConcurrency?: number;
  /** Webhook body cap (default 25 MB, GitHub's own cap). */
  maxBodyBytes?: number;
  /** Webhook body bytes read at once (default 4 × maxBodyBytes). */
  maxBodyBytesInFlight?: number;
  /** How long close() waits for requests and syncs in flight (default 25 s). */
  shutdownGraceMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  service: DriftlessService;
  queue: InProcessSyncQueue;
  store: StateStore;
  /** The registry behind GET /metrics; also where drift reports are recorded (`metrics.driftReported`). */
  metrics: PrometheusMetrics;
  /**
   * Stops accepting, stops polling, lets requests and running syncs finish for up to `graceMs`
   * (default shutdownGraceMs), closes what is left, the store and the data directory lock.
   * `drained` is false when something was cut off (its sync resumes at the next start).
   */
  close(options?: { graceMs?: number }): Promise<{ drained: boolean }>;
}

export const defaultShutdownGraceMs = 25_000;

/** Owner-only data directory, locked for this process. */
function openDataDir(dataDir: string): DataDirLock {
  // A directory that exists keeps its mode (it may be shared, e.g. `--data-dir .`); the files in it are 0600.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return lockDataDir(dataDir);
}

function within<T>(work: Promise<T>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms)))),
  ]).finally(() => clearTimeout(timer));
}

/** The configured apps with what the store remembers of them (last sync, health, drift). */
function appsForMetrics(config: DriftlessConfig, statuses: AppStatusRecord[]): AppInfo[] {
  const byApp = new Map(statuses.map((s) => [s.app, s]));
  return config.apps.map((a) => {
    const status = byApp.get(a.name);
    const last: NonNullable<AppInfo['last']> = {};
    if (status?.status === 'Failed') last.sync = 'Failed';
    if (status?.status === 'Synced' || status?.status === 'Degraded') last.sync = 'Synced';
    if (status?.status === 'Synced') last.health = 'Healthy';
    if (status?.status === 'Degraded') last.health = 'Degraded';
    if (status?.drift) last.drifted = status.drift.status === 'OutOfSync';
    return { app: a.name, repository: a.repository, cluster: a.cluster, namespace: a.namespace, ...(Object.keys(last).length > 0 ? { last } : {}) };
  });
}

/** `driftless serve` as a function: HTTP API + in-process queue worker + poller + retention over one state store. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { config } = options;
  const log = options.log ?? createJsonLogger({ level: resolveLogLevel(config.server.logLevel, process.env) });
  const dataDir = path.resolve(options.dataDir ?? '.driftless');
  const lock = options.store ? undefined : openDataDir(dataDir);
  let store: StateStore;
  try {
    store = options.store ?? new SqliteStateStore(dataDir);
  } catch (err) {
    lock?.release();
    throw err;
  }
  const metrics = options.metrics ?? new PrometheusMetrics();
  const runtime = options.engine && options.secrets ? undefined : createRuntime(config, { diskCache: true, metrics, ...(options.secrets ? { secrets: options.secrets } : {}) });
  // One cache for every secret: the HTTP secrets, the reporter's GitHub credentials and the runtime's.
  const secrets = runtime?.secrets ?? asSecretCache(options.secrets!);
  const engine = options.engine ?? createRuntimeEngine(runtime!);
  // One writer for every GitHub write (statuses, deployments, drift issues): the limits are per identity.
  const writer = createThrottledWriter();
  const configured: ConfiguredReporter | undefined = options.reporter === undefined ? createConfiguredReporter(config, secrets, log, writer, metrics) : undefined;
  const reporter: Reporter | undefined = options.reporter === false ? undefined : (options.reporter ?? configured);
  const notifications: NotificationDispatcher | undefined = createConfiguredNotifier(config, secrets, store, log);
  const { service, queue } = createInProcessService(
    { config, store, engine, log, metrics, ...(reporter ? { reporter } : {}), ...(notifications ? { notifier: notifications } : {}) },
    { concurrency: options.concurrency ?? 4 },
  );

  let listener;
  let resumed: string[];
  try {
    metrics.appsKnown(appsForMetrics(config, await store.listAppStatus()));
    resumed = await service.resumeInterrupted();
    const { webhookSecret, webhookSecretRefused, apiTokens } = httpSecrets(config.server, secrets);
    const app = createApp({
      service, webhookSecret, webhookSecretRefused, apiTokens, publicRead: config.server.publicRead, log,
      metrics: () => metrics.render(), publicMetrics: config.server.publicMetrics === true,
      ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
      ...(options.maxBodyBytesInFlight ? { maxBodyBytesInFlight: options.maxBodyBytesInFlight } : {}),
    });
    listener = await listen(app, { port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  } catch (err) {
    await queue.close();
    await store.close();
    lock?.release();
    throw err;
  }
  const retention = startRetention(store, config.server.retention, log);
  const intervalMs = options.pollIntervalMs ?? config.server.pollInterval * 1000;
  let poller: Poller | undefined;
  if (intervalMs > 0) poller = service.startPolling(intervalMs);
  const driftIntervalMs = options.driftIntervalMs ?? config.server.driftInterval * 1000;
  let driftTimer: DriftTimer | undefined;
  let driftRunner: DriftRunner | undefined;
  const driftCheck: DriftCheck | undefined = options.driftCheck ?? (runtime ? async (app, run) => checkAppDrift(await runtime.deps(app), app, { cache: run.cache }) : undefined);
  if (driftCheck) {
    const notifier = options.driftNotifier === false ? undefined : (options.driftNotifier ?? createConfiguredDriftNotifier(config, secrets, writer, options.driftIssueBody ?? driftMarkdown));
    driftRunner = service.configureDrift({ check: driftCheck, ...(notifier ? { notifier } : {}), ...(options.driftConcurrency ? { concurrency: options.driftConcurrency } : {}) });
    if (driftIntervalMs > 0) driftTimer = service.startDriftChecks(driftIntervalMs);
  }
  log.info('serving', {
    url: listener.url, dataDir: options.store ? undefined : dataDir, apps: config.apps.length, pollIntervalMs: intervalMs,
    driftIntervalMs: driftTimer ? driftIntervalMs : 0, resumedSyncs: resumed.length,
  });

  let closing: Promise<{ drained: boolean }> | undefined;
  const http = listener;
  return {
    url: http.url, port: http.port, service, queue, store, metrics,
    close(closeOptions = {}) {
      closing ??= (async () => {
        const graceMs = closeOptions.graceMs ?? options.shutdownGraceMs ?? defaultShutdownGraceMs;
        const deadline = Date.now() + graceMs;
        poller?.stop();
        driftTimer?.stop();
        retention.stop();
        // A drift run in flight finishes (its reports stored) within the grace period.
        if (driftRunner?.running) await within(driftRunner.run(), graceMs);
        // Pending syncs stay queued in the store and resume at the next start; running ones get the grace period.
        const [{ cutOff }, syncsDone] = await Promise.all([http.stop(graceMs), within(queue.close(), graceMs)]);
        // Statuses already queued still reach GitHub, within what is left of the grace period.
        if (configured) await within(configured.flush(), Math.max(1000, deadline - Date.now()));
        await within(writer.idle(), Math.max(1000, deadline - Date.now()));
        // Notifications in flight (and their retries) get what is left of the grace period.
        if (notifications) await within(notifications.idle(), Math.max(1000, deadline - Date.now()));
        await store.close();
        lock?.release();
        const drained = cutOff === 0 && syncsDone;
        if (drained) log.info('stopped');
        else log.warn('stopped before everything finished', { requestsCutOff: cutOff, syncsRunning: queue.stats().running });
        return { drained };
      })();
      return closing;
    },
  };
}
