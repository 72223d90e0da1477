import { createThrottledWriter } from '../adapters/github/index.ts';
import { checkAppDrift } from '../drift/check.ts';
import { driftMarkdown } from '../drift/markdown.ts';
import type { DriftCheck } from '../drift/runner.ts';
import type { DriftNotifier } from '../ports/drift-notifier.ts';
import { createConfiguredDriftNotifier } from './drift.ts';
import { createConfiguredSource } from './sources.ts';
import type { DriftlessConfig } from '../config/types.ts';
import type { ContentCache } from '../ports/content-cache.ts';
import type { DriftCheckRequest, SyncQueue, SyncRequest } from '../ports/queue.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import { asSecretCache } from '../secrets/cache.ts';
import type { StateStore } from '../ports/state.ts';
import { createPowertoolsLogger } from '../adapters/log-powertools/index.ts';
import { EmfMetrics } from '../adapters/metrics-emf/index.ts';
import { resolveLogLevel } from '../ports/logger.ts';
import type { Engine, Logger } from '../service/engine.ts';
import { DriftlessService } from '../service/service.ts';
import { createAwsAdapters } from './aws-adapters.ts';
import { createAwsContentCache } from './aws-cache.ts';
import { lambdaSecrets, loadLambdaConfig, readLambdaEnv } from './lambda-env.ts';
import { createConfiguredNotifier } from './notifications.ts';
import { createConfiguredReporter } from './reporting.ts';
import { createRuntimeEngine } from './runtime-engine.ts';
import { createRuntime } from './runtime.ts';

/** What the worker handler needs: run one request, record a failure, shorten a message's wait, flush reports. */
export interface LambdaWorker {
  /** Runs the sync; permanent failures are recorded inside, transient ones thrown. */
  run(request: SyncRequest): Promise<void>;
  recordFailure(request: SyncRequest, error: unknown): Promise<void>;
  /**
   * Runs a queued drift check and handles its report (stored, self-heal queued, issue, notifications),
   * then lets the app's next check be queued. A failed check is an Unknown report, not an error:
   * only the store or queue failing is thrown (transient ones for a retry).
   */
  checkDrift(request: DriftCheckRequest): Promise<void>;
  /** A drift check that could not finish (time ran out, retries exhausted): Unknown report, next check allowed. */
  recordDriftFailure(request: DriftCheckRequest, error: unknown): Promise<void>;
  /** Shows the message again after `seconds` (ChangeMessageVisibility). */
  retryLater(receiptHandle: string, seconds: number): Promise<void>;
  /** Sends the GitHub writes the reporter queued (commit statuses, deployments) and the notifications. */
  flush(): Promise<void>;
  maxReceiveCount: number;
  log: Logger;
}

export interface LambdaWorkerOptions {
  config: DriftlessConfig;
  store: StateStore;
  queue: SyncQueue;
  secrets: SecretResolver;
  retryLater: LambdaWorker['retryLater'];
  maxReceiveCount: number;
  /** Blob cache shared by containers (S3); default memory per container. */
  cache?: ContentCache;
  /** Default: the runtime engine over the config's sources, renderer and clusters. */
  engine?: Engine;
  /**
   * The drift check of one app. Default: src/drift/check.ts `checkAppDrift` over the runtime's deps
   * (as in serve); required when `engine` is given for drift messages to be run.
   */
  driftCheck?: DriftCheck;
  /** Default: GitHub issues as configured (server.driftIssues / app driftIssues); `false`: none. */
  driftNotifier?: DriftNotifier | false;
  /** Default: GitHub commit statuses and deployments; `false` turns reporting off. */
  reporting?: boolean;
  log?: Logger;
  /** CloudWatch EMF metrics, written by `flush()` (lambdaWorkerFromEnv makes one); default none. */
  metrics?: EmfMetrics;
}

export function createLambdaWorker(options: LambdaWorkerOptions): LambdaWorker {
  const { config } = options;
  // One cache for the runtime's and the reporter's secrets (a SecretCache is used as is).
  const secrets = asSecretCache(options.secrets);
  const log = options.log ?? createPowertoolsLogger({ level: resolveLogLevel(config.server.logLevel, process.env) });
  const cache = options.cache;
  const metrics = options.metrics;
  const runtime = options.engine ? undefined : createRuntime(config, {
    secrets,
    // /tmp survives only within a warm container, which is what the discovery cache needs.
    discoveryCacheDir: '/tmp/driftless/discovery',
    ...(metrics ? { metrics } : {}),
    ...(cache ? { sourceFactory: (repository, r) => createConfiguredSource(repository, r.config, r.secrets, cache) } : {}),
  });
  const engine = options.engine ?? createRuntimeEngine(runtime!);
  // One writer for every GitHub write (statuses, deployments, drift issues): the limits are per identity.
  const writer = createThrottledWriter();
  const reporter = options.reporting === false ? undefined : createConfiguredReporter(config, secrets, log, writer, metrics);
  const notifier = createConfiguredNotifier(config, secrets, options.store, log);
  const service = new DriftlessService({ config, store: options.store, queue: options.queue, engine, log, ...(reporter ? { reporter } : {}), ...(notifier ? { notifier } : {}), ...(metrics ? { metrics } : {}) });
  const driftCheck: DriftCheck | undefined = options.driftCheck ?? (runtime ? async (app, run) => checkAppDrift(await runtime.deps(app), app, { cache: run.cache }) : undefined);
  if (driftCheck) {
    const issues = options.driftNotifier === false ? undefined : (options.driftNotifier ?? createConfiguredDriftNotifier(config, secrets, writer, driftMarkdown));
    service.configureDrift({ check: driftCheck, ...(issues ? { notifier: issues } : {}) });
  }
  const released = (request: DriftCheckRequest): Promise<void> => service.releaseDriftCheck(request).catch((err: unknown) =>
    // Left held, the lease expires on its own and the next schedule queues the app's check then.
    log.warn('could not mark the drift check done; the next one waits for its lease to expire', { app: request.app, error: err instanceof Error ? err.message : String(err) }));
  return {
    run: (request) => service.runRequest(request),
    recordFailure: (request, error) => service.recordFailure(request, error),
    async checkDrift(request) {
      const record = await service.runDriftCheck(request);
      if (record) log.info('drift checked', { app: request.app, driftCheck: request.id, status: record.status, objects: record.objects.length, ...(record.heal ? { heal: record.heal.action } : {}) });
      else log.info('drift check skipped: the app is no longer configured', { app: request.app, driftCheck: request.id });
      await released(request);
    },
    async recordDriftFailure(request, error) {
      try {
        await service.recordDriftCheckFailure(request, error);
      } finally {
        await released(request);
      }
    },
    retryLater: options.retryLater,
    // Notifications never throw: a failed sink is recorded by the dispatcher itself.
    flush: async () => {
      try {
        await Promise.all([reporter?.flush(), writer.idle(), notifier?.idle()]);
      } finally {
        metrics?.flush();
      }
    },
    maxReceiveCount: options.maxReceiveCount,
    log,
  };
}

/** The worker function's composition from its environment. */
export async function lambdaWorkerFromEnv(): Promise<LambdaWorker> {
  const env = readLambdaEnv();
  const config = await loadLambdaConfig(env);
  const [{ store, queue }, cache] = await Promise.all([createAwsAdapters(env), createAwsContentCache(env)]);
  // The queue's own SQS client (one per container) also shortens a failed message's wait.
  const retryLater: LambdaWorker['retryLater'] = (receiptHandle, seconds) => queue.changeVisibility(receiptHandle, seconds);
  return createLambdaWorker({ config, store, queue, secrets: lambdaSecrets(config), retryLater, maxReceiveCount: env.maxReceiveCount, cache, metrics: new EmfMetrics() });
}
