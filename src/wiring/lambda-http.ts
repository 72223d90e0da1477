import type { DriftlessConfig } from '../config/types.ts';
import { DriftlessError } from '../core/errors.ts';
import { createApp, type RemoteJobs } from '../http/app.ts';
import type { SyncQueue } from '../ports/queue.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import { asSecretCache } from '../secrets/cache.ts';
import type { Source } from '../ports/source.ts';
import type { StateStore } from '../ports/state.ts';
import { createPowertoolsLogger } from '../adapters/log-powertools/index.ts';
import { EmfMetrics } from '../adapters/metrics-emf/index.ts';
import { resolveLogLevel } from '../ports/logger.ts';
import type { Engine, Logger } from '../service/engine.ts';
import { DriftlessService } from '../service/service.ts';
import { createAwsAdapters } from './aws-adapters.ts';
import { httpSecrets } from './http-secrets.ts';
import { lambdaSecrets, loadLambdaConfig, readLambdaEnv } from './lambda-env.ts';
import { createConfiguredSource } from './sources.ts';

export interface LambdaHttpOptions {
  config: DriftlessConfig;
  store: StateStore;
  queue: SyncQueue;
  secrets: SecretResolver;
  log?: Logger;
  /** Default: resolves revisions through the app's source and nothing else (see resolveOnlyEngine). */
  engine?: Engine;
  /** `?wait=true` reads the store this long at most (default 25 s: HTTP APIs stop waiting at 30 s). */
  waitMs?: number;
  pollMs?: number;
  /** CloudWatch EMF metrics (webhook deliveries), written after each request; default none. */
  metrics?: EmfMetrics;
}

/**
 * The engine of the http function: it resolves revisions (a manual sync checks its revision before
 * queuing) and nothing else. Syncs and diffs run in the worker function, so this bundle carries
 * neither the Kubernetes client nor the renderer: asking it for one is a wiring mistake.
 */
function resolveOnlyEngine(config: DriftlessConfig, secrets: SecretResolver): Engine {
  const sources = new Map<string, Promise<Source>>();
  const source = (name: string): Promise<Source> => {
    let value = sources.get(name);
    if (!value) {
      const repository = config.repositories[name];
      if (!repository) return Promise.reject(new DriftlessError('CONFIG_INVALID', `no repository "${name}" in ${config.file}`, { field: 'repositories' }));
      value = createConfiguredSource(repository, config, secrets);
      value.catch(() => sources.delete(name));
      sources.set(name, value);
    }
    return value;
  };
  const elsewhere = (what: string) => () => Promise.reject(new DriftlessError('INTERNAL', `${what} runs in the worker function, not in the http function`));
  return {
    resolve: async (app, ref) => (await source(app.repository)).resolve(ref),
    sync: elsewhere('a sync'),
    diff: elsewhere('a diff'),
  };
}

/** The hono app of `driftless serve`, in the mode where syncs and diffs run in the worker (see RemoteJobs). */
export type LambdaHttpApp = ReturnType<typeof createApp>;

export function createLambdaHttpApp(options: LambdaHttpOptions): LambdaHttpApp {
  const log = options.log ?? createPowertoolsLogger({ level: resolveLogLevel(options.config.server.logLevel, process.env) });
  // One cache for the webhook secret, the API tokens and the GitHub credentials.
  const secrets = asSecretCache(options.secrets);
  const service = new DriftlessService({
    config: options.config, store: options.store, queue: options.queue, log,
    engine: options.engine ?? resolveOnlyEngine(options.config, secrets),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const metrics = options.metrics;
  const { webhookSecret, webhookSecretRefused, apiTokens } = httpSecrets(options.config.server, secrets);
  const remoteJobs: RemoteJobs = { waitMs: options.waitMs ?? 25_000, ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}) };
  // The API Gateway v2 event envelope holds the whole body; Lambda caps it at 6 MB, GitHub at 25 MB.
  return createApp({ service, webhookSecret, webhookSecretRefused, apiTokens, publicRead: options.config.server.publicRead, log, remoteJobs, ...(metrics ? { afterRequest: () => metrics.flush() } : {}) });
}

/** The http function's app from its environment: the packaged config and the AWS adapters. */
export async function lambdaHttpAppFromEnv(): Promise<LambdaHttpApp> {
  const env = readLambdaEnv();
  const config = await loadLambdaConfig(env);
  const { store, queue } = await createAwsAdapters(env);
  return createLambdaHttpApp({ config, store, queue, secrets: lambdaSecrets(config), metrics: new EmfMetrics() });
}
