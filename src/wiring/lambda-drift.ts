import type { DriftlessConfig } from '../config/types.ts';
import type { SyncQueue } from '../ports/queue.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import type { StateStore } from '../ports/state.ts';
import { jsonLogger, type Engine, type Logger } from '../service/engine.ts';
import { DriftlessService } from '../service/service.ts';
import { createAwsAdapters } from './aws-adapters.ts';
import { lambdaSecrets, loadLambdaConfig, readLambdaEnv } from './lambda-env.ts';
import { createRuntimeEngine } from './runtime-engine.ts';
import { createRuntime } from './runtime.ts';

/** What one scheduled run did. */
export interface DriftTick {
  /** Apps whose branch head moved without a sync (a missed or oversized webhook): a sync is queued. */
  polled: string[];
  /** Apps whose drift check was queued; undefined while drift checks are not wired (see `driftChecks`). */
  driftChecks?: string[];
}

export interface LambdaDrift {
  tick(): Promise<DriftTick>;
  log: Logger;
}

/**
 * Queues one drift check per app whose previous check is not still pending, and answers which.
 * SEAM(lead): the drift runner (`checkAppDrift`/`checkDrift` in src/drift/, wt/driftcore and
 * wt/driftserve) and its queue message kind are written in parallel; wire them here. Until then the
 * drift function does the branch-head fallback only, and says so in its log.
 */
export type DriftFanOut = (service: DriftlessService) => Promise<string[]>;

export interface LambdaDriftOptions {
  config: DriftlessConfig;
  store: StateStore;
  queue: SyncQueue;
  secrets: SecretResolver;
  /** Default: the runtime engine (branch heads resolve through the app's source, conditional requests). */
  engine?: Engine;
  driftChecks?: DriftFanOut;
  /**
   * An app with a sync queued or running that was queued within this is not queued again (default
   * 2 hours: past the queue's retries of a 15-minute worker, a record is taken for an abandoned one).
   */
  pendingWithinMs?: number;
  log?: Logger;
}

export function createLambdaDrift(options: LambdaDriftOptions): LambdaDrift {
  const log = options.log ?? jsonLogger();
  const engine = options.engine ?? createRuntimeEngine(createRuntime(options.config, { secrets: options.secrets, discoveryCacheDir: '/tmp/driftless/discovery' }));
  const service = new DriftlessService({ config: options.config, store: options.store, queue: options.queue, engine, log });
  const pendingWithinMs = options.pendingWithinMs ?? 2 * 3600_000;
  return {
    log,
    async tick() {
      const polled = await service.pollOnce({ skipPendingWithinMs: pendingWithinMs });
      if (!options.driftChecks) {
        log.warn('drift checks are not wired into the drift function yet; only branch heads were checked');
        return { polled };
      }
      return { polled, driftChecks: await options.driftChecks(service) };
    },
  };
}

/** The drift function's composition from its environment. */
export async function lambdaDriftFromEnv(): Promise<LambdaDrift> {
  const env = readLambdaEnv();
  const config = await loadLambdaConfig(env);
  const { store, queue } = await createAwsAdapters(env, { cache: false });
  return createLambdaDrift({ config, store, queue, secrets: lambdaSecrets(config) });
}
