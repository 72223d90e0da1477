import type { NotificationEventName } from '../ports/notifier.ts';
import type { SecretRef } from '../ports/secrets.ts';

/** driftless.yaml, after validation and defaulting. */
export interface DriftlessConfig {
  /** Absolute path of the file it was read from; relative paths in it resolve against its folder. */
  file: string;
  repositories: Record<string, RepositoryConfig>;
  clusters: Record<string, ClusterConfig>;
  apps: AppConfig[];
  server: ServerConfig;
  signing: SigningConfig;
  /** Where state changes are announced; loading always sets it (maybe empty), hand-built configs may leave it out. */
  notifications?: NotificationConfig[];
  /** Render caps; loading always sets it (defaults), hand-built configs may leave it out. */
  render?: RenderConfig;
  /** Non-fatal findings (e.g. unsupported Argo CD fields), each naming file and field. */
  warnings: string[];
}

export type RepositoryConfig =
  /**
   * `git`: a local git repository: a path on this machine, relative to the config file's folder
   * (absolute after loading), at the repository's top level; read at a commit, without a working
   * tree checkout. URLs are refused (see GIT_REPOSITORY_CONTRACT in git-url.ts).
   */
  | { name: string; git: string }
  | { name: string; github: GitHubRepositoryConfig };

export interface GitHubRepositoryConfig {
  owner: string;
  repo: string;
  /** GitHub Enterprise API URL; default https://api.github.com. */
  apiUrl?: string;
  token?: SecretRef;
  app?: { appId: number | string; privateKey: SecretRef; installationId?: number };
}

/**
 * Exactly one of `kubeconfig`, `credentials` or `eks` is set after validation: how driftless
 * authenticates to the cluster (see README "Credentials").
 */
export interface ClusterConfig {
  name: string;
  /** Where the kubeconfig comes from: the reference resolves to the kubeconfig's content ({file:} paths are absolute after loading). */
  kubeconfig?: SecretRef;
  /** A JSON secret `{server, caData?, token}` or `{server, caData?, clientCertData, clientKeyData}`. */
  credentials?: SecretRef;
  /** An EKS cluster reached with IAM: no stored token at all. */
  eks?: EksClusterConfig;
  /** Context in the kubeconfig (kubeconfig form only). */
  context?: string;
  /** API server URL, used to map Argo CD `destination.server` to this cluster. */
  server?: string;
}

export interface EksClusterConfig {
  /** The EKS cluster's name. */
  cluster: string;
  region: string;
  /** A role to assume first (DescribeCluster and the token both use it). */
  roleArn?: string;
  /** The external id the role's trust policy asks for. */
  externalId?: string;
}

export interface AllowRules {
  /** Namespaces the app may write to; "*" allows all. Default: the app's namespace. */
  namespaces: string[];
  /** Kinds the app may write ("Kind" or "Kind.group"); "*" allows all. */
  kinds: string[];
  clusterScoped: boolean;
}

export interface IgnoreRule {
  kind: string;
  group?: string;
  name?: string;
  namespace?: string;
  /** JSON pointers (RFC 6901) of fields another controller owns, e.g. /spec/replicas. */
  jsonPointers: string[];
}

/** `health: [{group, kind, ignore: true}]`: a kind whose status does not say whether it is healthy. */
export interface HealthRule {
  group: string;
  kind: string;
  ignore: boolean;
}

export interface AppConfig {
  name: string;
  repository: string;
  /** Branch to follow; exactly one of branch or revision is set after validation. */
  branch?: string;
  /** A fixed SHA or tag. */
  revision?: string;
  path: string;
  cluster: string;
  namespace: string;
  createNamespace: boolean;
  prune: boolean;
  selfHeal: boolean;
  /** Git wins over other field managers (server-side apply force). Default true. */
  force: boolean;
  allowEmpty: boolean;
  /**
   * Kustomize remote bases: false none (default), true any https URL, or a list of URL prefixes
   * (https unless a prefix names another scheme). file:// and local addresses are always refused.
   */
  allowRemote: boolean | string[];
  /** Kinds that prune may delete only with this opt-in. */
  pruneProtected: { namespaces: boolean; crds: boolean; persistentVolumes: boolean; persistentVolumeClaims: boolean };
  allow: AllowRules;
  ignore: IgnoreRule[];
  /** Kinds whose health driftless does not judge (Healthy once applied); absent or empty: none. */
  health?: HealthRule[];
  /** Seconds to wait for health after apply. Default 300. */
  healthTimeoutSeconds: number;
  /** Concurrent writes within an apply step. Default 8. */
  concurrency: number;
  /** Create a GitHub Deployment per sync (GitHub repositories only). Default true. */
  deployments: boolean;
  /** Keep a `driftless:drift` GitHub issue for this app's drift; absent: server.driftIssues. */
  driftIssues?: boolean;
  /** Where the definition came from, for messages (driftless.yaml or an Argo CD Application file). */
  origin: { file: string; line?: number };
}

/**
 * The key that signs inventories and keys Secrets' applied hashes, shared by the CLI, `serve` and
 * Lambda. Without `key`, wiring uses (and on first use generates) `.driftless/signing-key` next to
 * the config file.
 */
export interface SigningConfig {
  key?: SecretRef;
  /** Keys rotated out: inventories they signed are still trusted, and rewritten with `key` on the next sync. */
  previousKeys: SecretRef[];
}

import type { LogLevel } from '../ports/logger.ts';

export type { LogLevel } from '../ports/logger.ts';

export interface ServerConfig {
  webhookSecret?: SecretRef;
  apiTokens?: SecretRef;
  publicRead: boolean;
  /** GET /metrics without a token. Absent: false. */
  publicMetrics?: boolean;
  /** Absent: info (environment variables override it, see src/wiring/log-level.ts). */
  logLevel?: LogLevel;
  publicUrl?: string;
  /** Seconds between polls for missed webhooks. Default 180. */
  pollInterval: number;
  /** Seconds between drift checks of every app (± jitter). Default 600. */
  driftInterval: number;
  /** Keep a `driftless:drift` issue per drifted app in its GitHub repository. Default true. */
  driftIssues: boolean;
  /** How much history `serve` keeps (finished sync records, webhook deliveries, drift reports). */
  retention: { days: number; maxSyncsPerApp: number; maxDeliveries: number; maxDriftReportsPerApp: number };
}

/** Caps on one render (a hostile kustomization must not take the worker down). */
export interface RenderConfig {
  kustomize: {
    /** Wall time of one kustomize run, seconds (default 60). A timeout is transient. */
    timeoutSeconds: number;
    /** Resident memory of one kustomize run, MiB (default 512). */
    memoryMiB: number;
    /** What one kustomize run may print, MiB (default 64); stopped as soon as it prints more. */
    maxOutputMiB: number;
  };
}

/**
 * One entry of `notifications:`: one sink, optionally only for some apps and events. A URL given
 * as a secret reference is resolved at delivery time and never logged or stored.
 */
export interface NotificationConfig {
  kind: 'slack' | 'teams' | 'webhook';
  url: string | SecretRef;
  /** HMAC-SHA256 key of the signed webhook (webhook only). */
  secret?: SecretRef;
  /** Only these apps; absent: every app. */
  apps?: string[];
  /** Only these events; absent: every event. */
  events?: NotificationEventName[];
}
