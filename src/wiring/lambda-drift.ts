import { createThrottledWriter } from '../adapters/github/index.ts';
import type { DriftlessConfig } from '../config/types.ts';
import type { DriftCheck } from '../drift/runner.ts';
import type { ContentCache } from '../ports/content-cache.ts';
import type { DriftNotifier } from '../ports/drift-notifier.ts';
import type { SyncQueue } from '../ports/queue.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import { asSecretCache } from '../secrets/cache.ts';
import type { StateStore } from '../ports/state.ts';
import { createPowertoolsLogger } from '../adapters/log-powertools/index.ts';
import { EmfMetrics } from '../adapters/metrics-emf/index.ts';
import { resolveLogLevel } from '../ports/logger.ts';
import type { Engine, Logger } from '../service/engine.ts';
import { DriftlessService } from '../service/service.ts';
import { createConfiguredNotifier } from './notifications.ts';
import { createAwsAdapters } from './aws-adapters.ts';
import { createAwsContentCache } from './aws-cache.ts';
import { createConfiguredSource } from './sources.ts';
import { createConfiguredDriftNotifier } from './drift.ts';
import { checkAppDrift } from '../drift/check.ts';
import { driftMarkdown } from '../drift/markdown.ts';
import { lambdaSecrets, loadLambdaConfig, readLambdaEnv } from './lambda-env.ts';
import { createRuntimeEngine } from './runtime-engine.ts';
import { createRuntime } from './runtime.ts';

/** What one scheduled run did. */
export interface DriftTick {
  /** Apps whose branch head moved without a sync (a missed or oversized webhook): a sync is queued. */
  polled: string[];
  /** Drift reports of this run by status; absent while no drift check is wired (see `driftCheck`). */
  drift?: { checked: number; byStatus: Record<string, number>; healsQueued: number };
}

export interface LambdaDrift {
  tick(): Promise<DriftTick>;
  /** Sends the GitHub writes queued by the run (drift issues). */
  flush(): Promise<void>;
  log: Logger;
}

export interface LambdaDriftOptions {
  config: DriftlessConfig;
  store: StateStore;
  queue: SyncQueue;
  secrets: SecretResolver;
  /** Default: the runtime engine (branch heads resolve through the app's source, conditional requests). */
  engine?: Engine;
  /** Blob cache for the drift checks' renders (S3 behind memory); default memory per container. */
  cache?: ContentCache;
  /**
   * The drift check of one app. Default: src/drift/check.ts `checkAppDrift` over the runtime's deps
   * (as in serve); none when `engine` is given (the caller composes), and then the drift function
   * checks branch heads only and says so in its log.
   */
  driftCheck?: DriftCheck;
  /** Default: GitHub issues as configured (server.driftIssues / app driftIssues); `false`: none. */
  driftNotifier?: DriftNotifier | false;
  /** Apps checked at the same time (default 4). */
  driftConcurrency?: number;
  /**
   * An app with a sync queued or running that was queued within this is not queued again (default
   * 2 hours: past the queue's retries of a 15-minute worker, a record is taken for an abandoned one).
   */
  pendingWithinMs?: number;
  log?: Logger;
  /** CloudWatch EMF metrics, written by `flush()` (lambdaDriftFromEnv makes one); default none. */
  metrics?: EmfMetrics;
}

/**
 * The scheduled function: the branch-head fallback, queuing through the SQS queue (never for an app
 * whose sync is still pending: FIFO cannot coalesce), then one drift run through the service's
 * drift runner: reports stored, self-heal queued as ordinary syncs (skipped while a sync is in
 * flight), drift issues written.
 */
export function createLambdaDrift(options: LambdaDriftOptions): LambdaDrift {
  const { config } = options;
  const secrets = asSecretCache(options.secrets);
  const log = options.log ?? createPowertoolsLogger({ level: resolveLogLevel(config.server.logLevel, process.env) });
  const cache = options.cache;
  const metrics = options.metrics;
  const runtime = options.engine ? undefined : createRuntime(config, {
    secrets, discoveryCacheDir: '/tmp/driftless/discovery', ...(metrics ? { metrics } : {}),
    ...(cache ? { sourceFactory: (repository, r) => createConfiguredSource(repository, r.config, r.secrets, cache) } : {}),
  });
  const engine = options.engine ?? createRuntimeEngine(runtime!);
  const driftCheck: DriftCheck | undefined = options.driftCheck ?? (runtime ? async (app, run) => checkAppDrift(await runtime.deps(app), app, { cache: run.cache }) : undefined);
  const notifications = createConfiguredNotifier(config, secrets, options.store, log);
  const service = new DriftlessService({ config, store: options.store, queue: options.queue, engine, log, ...(notifications ? { notifier: notifications } : {}), ...(metrics ? { metrics } : {}) });
  const writer = createThrottledWriter();
  if (driftCheck) {
    const notifier = options.driftNotifier === false ? undefined : (options.driftNotifier ?? createConfiguredDriftNotifier(config, secrets, writer, driftMarkdown));
    service.configureDrift({ check: driftCheck, ...(notifier ? { notifier } : {}), ...(options.driftConcurrency ? { concurrency: options.driftConcurrency } : {}) });
  }
  const pendingWithinMs = options.pendingWithinMs ?? 2 * 3600_000;
  return {
    log,
    flush: async () => {
      try {
        await Promise.all([writer.idle(), notifications?.idle()]);
      } finally {
        metrics?.flush();
      }
    },
    async tick() {
      const polled = await service.pollOnce({ skipPendingWithinMs: pendingWithinMs });
      if (!driftCheck) {
        log.warn('drift checks are not wired into the drift function yet (src/wiring/lambda-drift.ts); only branch heads were checked');
        return { polled };
      }
      const run = await service.checkDrift();
      const byStatus: Record<string, number> = {};
      for (const report of run.reports) byStatus[report.status] = (byStatus[report.status] ?? 0) + 1;
      const latest = await service.listDrift();
      const healsQueued = latest.filter((r) => r.checkedAt >= run.startedAt && r.heal?.action === 'queued').length;
      return { polled, drift: { checked: run.reports.length, byStatus, healsQueued } };
    },
  };
}

/** The drift function's composition from its environment. */
export async function lambdaDriftFromEnv(): Promise<LambdaDrift> {
  const env = readLambdaEnv();
  const config = await loadLambdaConfig(env);
  const [{ store, queue }, cache] = await Promise.all([createAwsAdapters(env), createAwsContentCache(env)]);
  return createLambdaDrift({ config, store, queue, cache, secrets: lambdaSecrets(config), metrics: new EmfMetrics() });
}
