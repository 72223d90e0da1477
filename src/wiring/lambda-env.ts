import path from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { DriftlessConfig } from '../config/types.ts';
import { DriftlessError } from '../core/errors.ts';
import { createLocalSecretResolver } from '../adapters/secrets/local.ts';
import type { SecretsManagerRef } from '../ports/secrets.ts';
import { createSecretsManagerResolver } from '../adapters/secrets-manager/resolver.ts';
import { createSecretCache, type SecretCache } from '../secrets/cache.ts';

/** What serverless.yml hands every function through its environment. */
export interface LambdaEnv {
  /** The packaged driftless.yaml, relative to the task root. */
  configFile: string;
  queueUrl: string;
  table: string;
  cacheBucket?: string;
  /** The queue's redrive maxReceiveCount: the receive after which a message goes to the dead-letter queue. */
  maxReceiveCount: number;
  /** The worker function's timeout (set on the drift function: how long a queued drift check may take). */
  workerTimeoutSeconds?: number;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (!value) throw new DriftlessError('CONFIG_INVALID', `environment variable ${name} is not set (serverless.yml sets it on every function)`, { field: name });
  return value;
}

export function readLambdaEnv(env: Record<string, string | undefined> = process.env): LambdaEnv {
  const maxReceiveCount = Number(env.DRIFTLESS_MAX_RECEIVE_COUNT ?? '3');
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) throw new DriftlessError('CONFIG_INVALID', 'DRIFTLESS_MAX_RECEIVE_COUNT must be a whole number from 1', { field: 'DRIFTLESS_MAX_RECEIVE_COUNT' });
  return {
    configFile: path.resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), required(env, 'DRIFTLESS_CONFIG')),
    queueUrl: required(env, 'DRIFTLESS_QUEUE_URL'),
    table: required(env, 'DRIFTLESS_TABLE'),
    ...(env.DRIFTLESS_CACHE_BUCKET ? { cacheBucket: env.DRIFTLESS_CACHE_BUCKET } : {}),
    maxReceiveCount,
    ...(Number(env.DRIFTLESS_WORKER_TIMEOUT) > 0 ? { workerTimeoutSeconds: Number(env.DRIFTLESS_WORKER_TIMEOUT) } : {}),
  };
}

/** The packaged config: read once per container (a config change is a redeploy, hence a new container). */
export function loadLambdaConfig(env: LambdaEnv): Promise<DriftlessConfig> {
  return loadConfig(env.configFile);
}

/**
 * Secrets on Lambda: {env:} and {file:} (files packaged beside the config) resolve locally,
 * {secret:} from Secrets Manager with the function role (or `secrets`, in tests), all through one
 * cache per container: read once per 5 minutes, re-read when GitHub, a cluster or a webhook
 * signature refuses a value.
 */
export function lambdaSecrets(config: DriftlessConfig, secrets?: { resolve(ref: SecretsManagerRef): Promise<string> }): SecretCache {
  return createSecretCache(createLocalSecretResolver({ baseDir: path.dirname(config.file), secrets: secrets ?? createSecretsManagerResolver() }));
}

/** One promise per container; a failed one is forgotten so that the next invocation tries again. */
export function perContainer<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    if (!value) {
      value = make();
      value.catch(() => (value = undefined));
    }
    return value;
  };
}
