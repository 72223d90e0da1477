import { homedir } from 'node:os';
import path from 'node:path';
import { DriftlessError } from '../core/errors.ts';
import type { AppConfig, ClusterConfig, DriftlessConfig, RepositoryConfig } from '../config/types.ts';
import { buildRender } from '../config/build.ts';
import type { ClusterClient } from '../ports/cluster.ts';
import type { Metrics } from '../ports/metrics.ts';
import type { Renderer } from '../ports/renderer.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import type { Source } from '../ports/source.ts';
import type { KustomizeRunner } from '../render/kustomize-port.ts';
import { createRenderer } from '../render/renderer.ts';
import { retryingCluster, type RetryingOptions } from '../apply/retrying.ts';
import type { SyncDeps } from '../sync/sync.ts';
import { createKubectlKustomize } from '../adapters/kustomize/kubectl-kustomize.ts';
import { createLocalSecretResolver } from '../adapters/secrets/local.ts';
import { createSecretsManagerResolver } from '../adapters/secrets-manager/resolver.ts';
import { asSecretCache, type SecretCache } from '../secrets/cache.ts';
import { buildClusterClient } from './clusters.ts';
import type { Keyring } from '../core/keyring.ts';
import { loadKeyring } from './signing-key.ts';
import { createConfiguredSource } from './sources.ts';

export interface RuntimeOptions {
  /**
   * Default: {env:} and {file:} resolved locally against the config file's folder, {secret:} from
   * AWS Secrets Manager. Either way every value goes through one SecretCache (TTL, refresh on refusal);
   * a SecretCache given here is used as is (so `serve` shares one with its HTTP secrets).
   */
  secrets?: SecretResolver | SecretCache;
  /**
   * On-disk discovery cache (OpenAPI documents go to a sibling "openapi" folder); default
   * ~/.cache/driftless/discovery when `diskCache` is true (the CLI); /tmp/driftless/discovery on Lambda.
   */
  discoveryCacheDir?: string;
  diskCache?: boolean;
  kustomize?: KustomizeRunner;
  /** Replace the renderer (tests); default plain YAML + kustomize through kubectl. */
  renderer?: Renderer;
  /** Replace how a repository becomes a Source (tests, Lambda). */
  sourceFactory?: (repository: RepositoryConfig, runtime: Runtime) => Promise<Source>;
  /** Replace how a cluster becomes a client (tests). The result is still wrapped with retries. */
  clusterFactory?: (cluster: ClusterConfig, runtime: Runtime) => Promise<ClusterClient>;
  retry?: RetryingOptions;
  /** Health poll interval (default 2000 ms). */
  pollMs?: number;
  /** Counts GitHub and Kubernetes API requests of the default sources and clusters. */
  metrics?: Metrics;
}

/** The composition root's product: everything a sync of any configured app needs, built lazily and cached. */
export interface Runtime {
  readonly config: DriftlessConfig;
  readonly secrets: SecretCache;
  readonly renderer: Renderer;
  app(name: string): AppConfig;
  source(repository: string): Promise<Source>;
  /**
   * The cluster's client, built on first use (a missing secret fails only the apps on this cluster).
   * `app` names the assumed role's session for an EKS cluster with roleArn (one client per app then).
   */
  cluster(name: string, app?: string): Promise<ClusterClient>;
  /** The signing key (config `signing`), resolved once on first use. */
  keyring(): Promise<Keyring>;
  deps(app: AppConfig): Promise<SyncDeps>;
}

export function defaultDiscoveryCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'driftless', 'discovery');
}

function defaultSource(repository: RepositoryConfig, runtime: Runtime, metrics?: Metrics): Promise<Source> {
  return createConfiguredSource(repository, runtime.config, runtime.secrets, undefined, metrics);
}

/** One shared promise per name; a failed one is forgotten so that the next call tries again. */
function once<T>(cache: Map<string, Promise<T>>, name: string, make: () => Promise<T> | T): Promise<T> {
  let value = cache.get(name);
  if (!value) {
    value = (async () => make())();
    value.catch(() => cache.delete(name));
    cache.set(name, value);
  }
  return value;
}

const MIB = 1024 * 1024;
const kustomizeCaps = ({ render = buildRender(undefined) }: DriftlessConfig): { timeoutMs: number; memoryBytes: number; maxOutputBytes: number } => ({
  timeoutMs: render.kustomize.timeoutSeconds * 1000,
  memoryBytes: render.kustomize.memoryMiB * MIB,
  maxOutputBytes: render.kustomize.maxOutputMiB * MIB,
});

/** Builds sources, the renderer, cluster clients and the secret resolver from a validated config. */
export function createRuntime(config: DriftlessConfig, options: RuntimeOptions = {}): Runtime {
  const sources = new Map<string, Promise<Source>>();
  const clusters = new Map<string, Promise<ClusterClient>>();
  const keyrings = new Map<string, Promise<Keyring>>();
  const discoveryCacheDir = options.discoveryCacheDir ?? (options.diskCache ? defaultDiscoveryCacheDir() : undefined);
  const runtime: Runtime = {
    config,
    secrets: asSecretCache(options.secrets ?? createLocalSecretResolver({ baseDir: path.dirname(config.file), secrets: createSecretsManagerResolver() })),
    renderer: options.renderer ?? createRenderer({ kustomize: options.kustomize ?? createKubectlKustomize(kustomizeCaps(config)), maxOutputBytes: kustomizeCaps(config).maxOutputBytes }),
    app(name) {
      const app = config.apps.find((a) => a.name === name);
      if (!app) throw new DriftlessError('APP_NOT_FOUND', `no app "${name}" in ${config.file} (apps: ${config.apps.map((a) => a.name).join(', ') || 'none'})`, { file: config.file });
      return app;
    },
    source(name) {
      return once(sources, name, () => {
        const repository = config.repositories[name];
        if (!repository) throw new DriftlessError('CONFIG_INVALID', `no repository "${name}" in ${config.file}`, { file: config.file, field: 'repositories' });
        return options.sourceFactory ? options.sourceFactory(repository, runtime) : defaultSource(repository, runtime, options.metrics);
      });
    },
    cluster(name, app) {
      const cluster = config.clusters[name];
      const perApp = cluster?.eks?.roleArn !== undefined && app !== undefined;
      return once(clusters, perApp ? `${name}\0${app}` : name, async () => {
        if (!cluster) throw new DriftlessError('CONFIG_INVALID', `no cluster "${name}" in ${config.file}`, { file: config.file, field: 'clusters' });
        const raw = options.clusterFactory
          ? await options.clusterFactory(cluster, runtime)
          : await buildClusterClient(cluster, { secrets: runtime.secrets, ...(perApp ? { app } : {}), ...(discoveryCacheDir ? { discoveryCacheDir, openApiCacheDir: path.join(path.dirname(discoveryCacheDir), 'openapi') } : {}), ...(options.metrics ? { metrics: options.metrics } : {}) });
        return retryingCluster(raw, options.retry);
      });
    },
    keyring() {
      return once(keyrings, 'signing', () => loadKeyring(config, runtime.secrets));
    },
    async deps(app) {
      const [source, cluster, keyring] = await Promise.all([runtime.source(app.repository), runtime.cluster(app.cluster, app.name), runtime.keyring()]);
      return { source, renderer: runtime.renderer, cluster, keyring, ...(options.pollMs ? { pollMs: options.pollMs } : {}) };
    },
  };
  return runtime;
}
