import type { DriftlessConfig } from '../config/types.ts';
import type { SyncQueue } from '../ports/queue.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import { asSecretCache } from '../secrets/cache.ts';
import type { StateStore } from '../ports/state.ts';
import { createPowertoolsLogger } from '../adapters/log-powertools/index.ts';
import { EmfMetrics } from '../adapters/metrics-emf/index.ts';
import { resolveLogLevel } from '../ports/logger.ts';
import type { Engine, Logger } from '../service/engine.ts';
import type { DriftFanOut } from '../service/drift-fanout.ts';
import { DriftlessService } from '../service/service.ts';
import { createAwsAdapters } from './aws-adapters.ts';
import { lambdaSecrets, loadLambdaConfig, readLambdaEnv } from './lambda-env.ts';
import { createRuntimeEngine } from './runtime-engine.ts';
import { createRuntime } from './runtime.ts';

/** What one scheduled run did. */
export interface DriftTick {
  /** Apps whose branch head moved without a sync (a missed or oversized webhook): a sync is queued. */
  polled: string[];
  /** The drift checks of this run: queued for the worker, or skipped while the previous one is pending. */
  drift: DriftFanOut;
}

export interface LambdaDrift {
  /** One scheduled run; `run` names it (the schedule's time), so a run delivered twice queues each check once. */
  tick(run: string): Promise<DriftTick>;
  /** Writes the run's metrics. */
  flush(): Promise<void>;
  log: Logger;
}

export interface LambdaDriftOptions {
  config: DriftlessConfig;
  store: StateStore;
  /** Must carry drift checks (`enqueueDriftCheck`: the SQS queue does). */
  queue: SyncQueue;
  secrets: SecretResolver;
  /** Default: the runtime engine (branch heads resolve through the app's source, conditional requests). */
  engine?: Engine;
  /**
   * An app with a sync queued or running that was queued within this is not queued again (default
   * 2 hours: past the queue's retries of a 15-minute worker, a record is taken for an abandoned one).
   */
  pendingWithinMs?: number;
  /**
   * How long a queued drift check counts as pending (its lease): past it, the check is taken as lost
   * and the next schedule queues another. Default: twice the worker's timeout and a minute (it may
   * wait behind one sync of its app in the app's message group, then run).
   */
  driftPendingMs?: number;
  /** The worker's timeout in seconds, for the default of `driftPendingMs` (default 900). */
  workerTimeoutSeconds?: number;
  /** Drift checks queued at the same time (default 8). */
  queueConcurrency?: number;
  log?: Logger;
  /** The clock of leases and requests (tests); default the system clock. */
  now?: () => Date;
  /** CloudWatch EMF metrics, written by `flush()` (lambdaDriftFromEnv makes one); default none. */
  metrics?: EmfMetrics;
}

/**
 * The scheduled function: the branch-head fallback (never queuing for an app whose sync is still
 * pending: FIFO cannot coalesce), then one drift check per app through the queue, none for an app
 * whose previous check is still pending. Workers run the checks (src/wiring/lambda-worker.ts): this
 * run only resolves heads and sends messages, so it stays short for hundreds of apps.
 */
export function createLambdaDrift(options: LambdaDriftOptions): LambdaDrift {
  const { config } = options;
  const secrets = asSecretCache(options.secrets);
  const log = options.log ?? createPowertoolsLogger({ level: resolveLogLevel(config.server.logLevel, process.env) });
  const metrics = options.metrics;
  const engine = options.engine ?? createRuntimeEngine(createRuntime(config, {
    secrets, discoveryCacheDir: '/tmp/driftless/discovery', ...(metrics ? { metrics } : {}),
  }));
  const service = new DriftlessService({ config, store: options.store, queue: options.queue, engine, log, ...(metrics ? { metrics } : {}), ...(options.now ? { now: options.now } : {}) });
  const pendingWithinMs = options.pendingWithinMs ?? 2 * 3600_000;
  const driftPendingMs = options.driftPendingMs ?? (2 * (options.workerTimeoutSeconds ?? 900) + 60) * 1000;
  return {
    log,
    flush: async () => {
      metrics?.flush();
    },
    async tick(run) {
      const polled = await service.pollOnce({ skipPendingWithinMs: pendingWithinMs });
      const drift = await service.queueDriftChecks(run, driftPendingMs, options.queueConcurrency);
      return { polled, drift };
    },
  };
}

/** The drift function's composition from its environment. */
export async function lambdaDriftFromEnv(): Promise<LambdaDrift> {
  const env = readLambdaEnv();
  const config = await loadLambdaConfig(env);
  const { store, queue } = await createAwsAdapters(env);
  return createLambdaDrift({
    config, store, queue, secrets: lambdaSecrets(config), metrics: new EmfMetrics(),
    ...(env.workerTimeoutSeconds !== undefined ? { workerTimeoutSeconds: env.workerTimeoutSeconds } : {}),
  });
}
