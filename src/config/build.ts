import path from 'node:path';
import { isRecord } from '../core/objects.ts';
import { normalizeRepoPath } from '../core/paths.ts';
import type { SecretRef } from '../ports/secrets.ts';
import { notificationEvents, type NotificationEventName } from '../ports/notifier.ts';
import type { AllowRules, AppConfig, ClusterConfig, HealthRule, IgnoreRule, NotificationConfig, RenderConfig, RepositoryConfig, LogLevel, ServerConfig, SigningConfig } from './types.ts';
import { parseDuration } from './duration.ts';
import { isGitUrl } from './git-url.ts';

/*
 * Turns validated YAML data into typed config with defaults applied. It also runs on data that
 * failed validation (so cross-reference errors are reported in the same round), hence the
 * defensive reads: anything malformed was already reported by the schema check.
 */

export type Raw = Record<string, unknown>;

export const DEFAULT_BRANCH = 'main';
export const DEFAULTS = { healthTimeoutSeconds: 300, concurrency: 8, pollInterval: 180, driftInterval: 600, kustomizeTimeoutSeconds: 60, kustomizeMemoryMiB: 512, kustomizeMaxOutputMiB: 64 } as const;
export const RETENTION = { days: 30, maxSyncsPerApp: 1000, maxDeliveries: 10_000, maxDriftReportsPerApp: 100 } as const;


const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const bool = (value: unknown, fallback: boolean): boolean => (typeof value === 'boolean' ? value : fallback);
const int = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isInteger(value) ? value : fallback);
const strings = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined);

/** {file:} refs are relative to the config file's folder; the rest is copied as is. */
export function secretRef(value: unknown, baseDir: string): SecretRef | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.env === 'string') return { env: value.env };
  if (typeof value.file === 'string') return { file: path.resolve(baseDir, value.file) };
  if (typeof value.secret === 'string') {
    return {
      secret: value.secret,
      ...(typeof value.key === 'string' ? { key: value.key } : {}),
      ...(typeof value.versionStage === 'string' ? { versionStage: value.versionStage } : {}),
      ...(typeof value.region === 'string' ? { region: value.region } : {}),
    };
  }
  return undefined;
}

export function buildRepository(name: string, raw: unknown, baseDir: string): RepositoryConfig | undefined {
  if (!isRecord(raw)) return undefined;
  const git = str(raw.git);
  // A URL stays as written, for the message refusing it and for matching Argo CD repoURLs.
  if (git !== undefined) return { name, git: isGitUrl(git) ? git : path.resolve(baseDir, git) };
  const gh = raw.github;
  if (!isRecord(gh) || typeof gh.owner !== 'string' || typeof gh.repo !== 'string') return undefined;
  const github: Extract<RepositoryConfig, { github: unknown }>['github'] = { owner: gh.owner, repo: gh.repo };
  if (typeof gh.apiUrl === 'string') github.apiUrl = gh.apiUrl.replace(/\/+$/, '');
  const token = secretRef(gh.token, baseDir);
  if (token) github.token = token;
  if (isRecord(gh.app)) {
    const privateKey = secretRef(gh.app.privateKey, baseDir);
    const appId = gh.app.appId;
    if (privateKey && (typeof appId === 'number' || typeof appId === 'string')) {
      github.app = { appId, privateKey };
      if (typeof gh.app.installationId === 'number') github.app.installationId = gh.app.installationId;
    }
  }
  return { name, github };
}

export function buildCluster(name: string, raw: unknown, baseDir: string): ClusterConfig | undefined {
  if (!isRecord(raw)) return undefined;
  const cluster: ClusterConfig = { name };
  const kubeconfig = secretRef(raw.kubeconfig, baseDir);
  const credentials = secretRef(raw.credentials, baseDir);
  const eks = isRecord(raw.eks) ? raw.eks : undefined;
  if (kubeconfig) cluster.kubeconfig = kubeconfig;
  else if (credentials) cluster.credentials = credentials;
  else if (eks && typeof eks.cluster === 'string' && typeof eks.region === 'string') {
    cluster.eks = { cluster: eks.cluster, region: eks.region };
    if (typeof eks.roleArn === 'string') cluster.eks.roleArn = eks.roleArn;
    if (typeof eks.externalId === 'string') cluster.eks.externalId = eks.externalId;
  } else return undefined;
  if (typeof raw.context === 'string') cluster.context = raw.context;
  if (typeof raw.server === 'string') cluster.server = raw.server;
  return cluster;
}

/**
 * "./overlays/staging/" → "overlays/staging"; "" → "." (Windows separators accepted: this is typed
 * by a person). A path leaving the repository is kept as written, for the renderer to refuse by name.
 */
export function normalizeAppPath(value: string): string {
  const typed = value.replace(/\\/g, '/');
  const normalized = normalizeRepoPath(typed);
  return normalized === undefined ? typed : normalized === '' ? '.' : normalized;
}

function buildAllow(raw: unknown, namespace: string): AllowRules {
  const allow = isRecord(raw) ? raw : {};
  return {
    namespaces: strings(allow.namespaces) ?? [namespace],
    kinds: strings(allow.kinds) ?? ['*'],
    clusterScoped: bool(allow.clusterScoped, false),
  };
}

function buildIgnore(raw: unknown): IgnoreRule[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isRecord).map((rule) => {
    const out: IgnoreRule = { kind: str(rule.kind) ?? '', jsonPointers: strings(rule.jsonPointers) ?? [] };
    if (typeof rule.group === 'string') out.group = rule.group;
    if (typeof rule.name === 'string') out.name = rule.name;
    if (typeof rule.namespace === 'string') out.namespace = rule.namespace;
    return out;
  });
}

function buildHealth(raw: unknown): HealthRule[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isRecord).map((rule) => ({ group: str(rule.group) ?? '', kind: str(rule.kind) ?? '', ignore: rule.ignore === true }));
}

/** An app with every default filled in; `origin` says where it was defined. */
export function buildApp(raw: Raw, origin: AppConfig['origin']): AppConfig {
  const namespace = str(raw.namespace) ?? '';
  const policy = isRecord(raw.prunePolicy) ? raw.prunePolicy : {};
  const revision = str(raw.revision);
  const app: AppConfig = {
    name: str(raw.name) ?? '',
    repository: str(raw.repository) ?? '',
    path: normalizeAppPath(str(raw.path) ?? '.'),
    cluster: str(raw.cluster) ?? '',
    namespace,
    createNamespace: bool(raw.createNamespace, false),
    prune: bool(raw.prune, false),
    selfHeal: bool(raw.selfHeal, false),
    force: bool(raw.force, true),
    allowEmpty: bool(raw.allowEmpty, false),
    allowRemote: Array.isArray(raw.allowRemote) ? (strings(raw.allowRemote) ?? []) : bool(raw.allowRemote, false),
    pruneProtected: {
      namespaces: bool(policy.namespaces, false),
      crds: bool(policy.crds, false),
      persistentVolumes: bool(policy.persistentVolumes, false),
      persistentVolumeClaims: bool(policy.persistentVolumeClaims, false),
    },
    allow: buildAllow(raw.allow, namespace),
    ignore: buildIgnore(raw.ignore),
    healthTimeoutSeconds: int(raw.healthTimeoutSeconds, DEFAULTS.healthTimeoutSeconds),
    concurrency: int(raw.concurrency, DEFAULTS.concurrency),
    deployments: bool(raw.deployments, true),
    origin,
  };
  if (typeof raw.driftIssues === 'boolean') app.driftIssues = raw.driftIssues;
  const health = buildHealth(raw.health);
  if (health.length > 0) app.health = health;
  if (revision !== undefined) app.revision = revision;
  else app.branch = str(raw.branch) ?? DEFAULT_BRANCH;
  return app;
}

export function buildServer(raw: unknown, baseDir: string): ServerConfig {
  const server = isRecord(raw) ? raw : {};
  const retention = isRecord(server.retention) ? server.retention : {};
  const out: ServerConfig = {
    publicRead: bool(server.publicRead, false), pollInterval: parseDuration(server.pollInterval) ?? DEFAULTS.pollInterval,
    driftInterval: parseDuration(server.driftInterval) ?? DEFAULTS.driftInterval, driftIssues: bool(server.driftIssues, true),
    retention: {
      days: int(retention.days, RETENTION.days), maxSyncsPerApp: int(retention.maxSyncsPerApp, RETENTION.maxSyncsPerApp), maxDeliveries: int(retention.maxDeliveries, RETENTION.maxDeliveries),
      maxDriftReportsPerApp: int(retention.maxDriftReportsPerApp, RETENTION.maxDriftReportsPerApp),
    },
  };
  const webhookSecret = secretRef(server.webhookSecret, baseDir);
  if (webhookSecret) out.webhookSecret = webhookSecret;
  const apiTokens = secretRef(server.apiTokens, baseDir);
  if (apiTokens) out.apiTokens = apiTokens;
  if (server.publicMetrics !== undefined) out.publicMetrics = bool(server.publicMetrics, false);
  if (typeof server.logLevel === 'string') out.logLevel = server.logLevel as LogLevel;
  if (typeof server.publicUrl === 'string') out.publicUrl = server.publicUrl.replace(/\/+$/, '');
  return out;
}

export function buildSigning(raw: unknown, baseDir: string): SigningConfig {
  const signing = isRecord(raw) ? raw : {};
  const key = secretRef(signing.key, baseDir);
  const previousKeys = (Array.isArray(signing.previousKeys) ? signing.previousKeys : []).map((ref) => secretRef(ref, baseDir)).filter((ref): ref is SecretRef => ref !== undefined);
  return key ? { key, previousKeys } : { previousKeys };
}

export function buildRender(raw: unknown): RenderConfig {
  const kustomize = isRecord(raw) && isRecord(raw.kustomize) ? raw.kustomize : {};
  return {
    kustomize: {
      timeoutSeconds: int(kustomize.timeoutSeconds, DEFAULTS.kustomizeTimeoutSeconds),
      memoryMiB: int(kustomize.memoryMiB, DEFAULTS.kustomizeMemoryMiB),
      maxOutputMiB: int(kustomize.maxOutputMiB, DEFAULTS.kustomizeMaxOutputMiB),
    },
  };
}

const sinkKinds = ['slack', 'teams', 'webhook'] as const;

/** `notifications:` entries that name one sink with a URL; malformed ones were reported by the schema check. */
export function buildNotifications(raw: unknown, baseDir: string): NotificationConfig[] {
  if (!Array.isArray(raw)) return [];
  const out: NotificationConfig[] = [];
  for (const entry of raw.filter(isRecord)) {
    const kind = sinkKinds.find((k) => isRecord(entry[k]));
    const sink = kind && entry[kind];
    if (!kind || !isRecord(sink)) continue;
    const url = typeof sink.url === 'string' ? sink.url : secretRef(sink.url, baseDir);
    if (url === undefined) continue;
    const built: NotificationConfig = { kind, url };
    const secret = secretRef(sink.secret, baseDir);
    if (secret) built.secret = secret;
    const apps = strings(entry.apps);
    if (apps) built.apps = apps;
    const events = strings(entry.events)?.filter((e): e is NotificationEventName => (notificationEvents as readonly string[]).includes(e));
    if (events) built.events = events;
    out.push(built);
  }
  return out;
}
