import path from 'node:path';
import type { AppConfig, ClusterConfig, DriftlessConfig, RepositoryConfig } from './types.ts';
import { isRecord } from '../core/objects.ts';
import { buildApp, buildCluster, buildNotifications, buildRender, buildRepository, buildServer, buildSigning, type Raw } from './build.ts';
import { configInvalid, definedList, formatField, suggest, type ConfigIssue, type FieldPath } from './issues.ts';
import { importArgoCDFiles, type ArgoCDReader } from './argocd.ts';
import { validateAgainstSchema } from './validate.ts';
import { gitUrlRefused, isGitUrl } from './git-url.ts';
import { inactiveSettings } from './inactive.ts';
import { parseYamlDocuments, type LocatedDocument } from './yaml-source.ts';

export interface ParseConfigOptions {
  /** Folder a relative `file` is relative to; default process.cwd(). */
  cwd?: string;
  /** Reads the files of `fromArgoCD` entries; without it such entries are an error (loadConfig passes one). */
  readArgoCD?: ArgoCDReader;
}

interface Ctx {
  file: string;
  baseDir: string;
  cwd: string;
  doc: LocatedDocument;
  issues: ConfigIssue[];
  warnings: string[];
}

function issue(ctx: Ctx, at: FieldPath, message: string, key?: string): void {
  ctx.issues.push({ file: ctx.file, line: ctx.doc.lineOf(at, key), field: formatField(key === undefined ? at : [...at, key]), message });
}

function entries(value: unknown): [string, unknown][] {
  return isRecord(value) ? Object.entries(value) : [];
}

function buildAll<T>(section: unknown, build: (name: string, raw: unknown) => T | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, raw] of entries(section)) {
    const built = build(name, raw);
    if (built !== undefined) out[name] = built;
  }
  return out;
}

function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Apps as written, plus those imported from Argo CD; each with the field path it came from (config apps only). */
function collectApps(ctx: Ctx, raw: Raw, repositories: Record<string, RepositoryConfig>, clusters: Record<string, ClusterConfig>, readArgoCD?: ArgoCDReader): { app: AppConfig; at?: FieldPath }[] {
  const out: { app: AppConfig; at?: FieldPath }[] = [];
  const items = Array.isArray(raw.apps) ? raw.apps : [];
  items.forEach((item, i) => {
    if (!isRecord(item)) return;
    const at: FieldPath = ['apps', i];
    if (!('fromArgoCD' in item)) {
      out.push({ app: buildApp(item, { file: ctx.file, line: ctx.doc.lineOf(at) }), at });
      return;
    }
    const pattern = item.fromArgoCD;
    if (typeof pattern !== 'string' || pattern === '') return;
    if (!readArgoCD) {
      issue(ctx, at, 'fromArgoCD needs the Argo CD files read from disk: load the config with loadConfig', 'fromArgoCD');
      return;
    }
    let files;
    try {
      files = readArgoCD(pattern, ctx.baseDir);
    } catch (err) {
      issue(ctx, at, `cannot read '${pattern}': ${err instanceof Error ? err.message : String(err)}`, 'fromArgoCD');
      return;
    }
    if (files.length === 0) {
      issue(ctx, at, `'${pattern}' matches no files (relative to ${ctx.baseDir})`, 'fromArgoCD');
      return;
    }
    const imported = importArgoCDFiles(files, { repositories: Object.values(repositories), clusters: Object.values(clusters), baseDir: ctx.baseDir }, (f) => displayPath(f, ctx.cwd));
    ctx.issues.push(...imported.issues);
    ctx.warnings.push(...imported.warnings);
    out.push(...imported.apps.map((app) => ({ app })));
  });
  return out;
}

function reference(ctx: Ctx, at: FieldPath, what: 'repository' | 'cluster', value: string, defined: string[]): void {
  if (value === '' || defined.includes(value)) return;
  const guess = suggest(value, defined);
  const section = what === 'repository' ? 'repositories' : 'clusters';
  issue(ctx, at, `${what} '${value}' is not defined in ${section} ${definedList(defined)}${guess ? ` — did you mean '${guess}'?` : ''}`, what);
}

function crossCheck(ctx: Ctx, apps: { app: AppConfig; at?: FieldPath }[], repositories: string[], clusters: string[]): void {
  const seen = new Map<string, AppConfig>();
  for (const { app, at } of apps) {
    if (at) {
      reference(ctx, at, 'repository', app.repository, repositories);
      reference(ctx, at, 'cluster', app.cluster, clusters);
    }
    if (app.name === '') continue;
    const first = seen.get(app.name);
    if (!first) {
      seen.set(app.name, app);
      continue;
    }
    const firstAt = first.origin.line !== undefined ? `${first.origin.file}:${first.origin.line}` : first.origin.file;
    const message = `app name '${app.name}' is already used by the app defined at ${firstAt}; app names must be unique`;
    if (at) issue(ctx, at, message, 'name');
    else ctx.issues.push({ file: app.origin.file, line: app.origin.line, field: 'metadata.name', message });
  }
}

/** An `apps:` filter naming no app would silently never notify. */
function checkNotificationApps(ctx: Ctx, raw: unknown, defined: string[]): void {
  if (!Array.isArray(raw)) return;
  raw.forEach((entry, i) => {
    if (!isRecord(entry) || !Array.isArray(entry.apps)) return;
    entry.apps.forEach((name, j) => {
      if (typeof name !== 'string' || name === '' || defined.includes(name)) return;
      const guess = suggest(name, defined);
      issue(ctx, ['notifications', i, 'apps', j], `app '${name}' is not defined in apps ${definedList(defined)}${guess ? ` — did you mean '${guess}'?` : ''}`);
    });
  });
}

/**
 * Parses and validates driftless.yaml text. Pure apart from the injected Argo CD reader.
 * Throws one DriftlessError CONFIG_INVALID listing every problem (details.errors: file, line, field, message).
 */
export function parseConfig(text: string, file: string, options: ParseConfigOptions = {}): DriftlessConfig {
  const cwd = options.cwd ?? process.cwd();
  const absolute = path.resolve(cwd, file);
  const { documents, issues } = parseYamlDocuments(text, file);
  if (issues.length > 0) throw configInvalid(file, issues);
  const doc = documents[0];
  if (!doc || documents.length > 1 || !isRecord(doc.data)) {
    const message = !doc || doc.data == null
      ? "the file is empty; it needs 'repositories', 'clusters' and 'apps' (run `driftless schema` for the format)"
      : documents.length > 1
        ? 'the file must hold a single YAML document (remove the --- separators)'
        : "the file must be a map with 'repositories', 'clusters' and 'apps'";
    throw configInvalid(file, [{ file, line: documents[1]?.line ?? doc?.line ?? 1, field: '', message }]);
  }
  const ctx: Ctx = { file, baseDir: path.dirname(absolute), cwd, doc, issues: validateAgainstSchema(doc, file), warnings: inactiveSettings(doc, file) };
  const raw = doc.data;
  const repositories = buildAll(raw.repositories, (name, r) => buildRepository(name, r, ctx.baseDir));
  for (const [name, repository] of Object.entries(repositories)) {
    if ('git' in repository && isGitUrl(repository.git)) issue(ctx, ['repositories', name], gitUrlRefused(repository.git), 'git');
  }
  const clusters = buildAll(raw.clusters, (name, c) => buildCluster(name, c, ctx.baseDir));
  const apps = collectApps(ctx, raw, repositories, clusters, options.readArgoCD);
  crossCheck(ctx, apps, entries(raw.repositories).map(([name]) => name), entries(raw.clusters).map(([name]) => name));
  const server = buildServer(raw.server, ctx.baseDir);
  for (const key of ['pollInterval', 'driftInterval'] as const) {
    if (isRecord(raw.server) && typeof raw.server[key] === 'string' && server[key] < 1) issue(ctx, ['server', key], 'must be at least 1 second');
  }
  const notifications = buildNotifications(raw.notifications, ctx.baseDir);
  checkNotificationApps(ctx, raw.notifications, apps.map(({ app }) => app.name));
  if (ctx.issues.length > 0) throw configInvalid(file, ctx.issues);
  return { file: absolute, repositories, clusters, apps: apps.map(({ app }) => app), server, notifications, signing: buildSigning(raw.signing, ctx.baseDir), render: buildRender(raw.render), warnings: ctx.warnings };
}
