import type { AppConfig, ClusterConfig, IgnoreRule, RepositoryConfig } from './types.ts';
import { isRecord } from '../core/objects.ts';
import { buildApp, normalizeAppPath, type Raw } from './build.ts';
import { formatField, type ConfigIssue, type FieldPath } from './issues.ts';
import { mapTargetRevision, matchCluster, matchRepository } from './argocd-match.ts';
import { parseYamlDocuments, type LocatedDocument } from './yaml-source.ts';

/** A file an `apps: [{fromArgoCD: glob}]` entry matched. */
export interface ArgoCDFile {
  /** Absolute path. */
  file: string;
  text: string;
}

/** Reads the files a fromArgoCD pattern matches, relative to `baseDir` (the config file's folder). */
export type ArgoCDReader = (pattern: string, baseDir: string) => ArgoCDFile[];

export interface ArgoCDContext {
  repositories: RepositoryConfig[];
  clusters: ClusterConfig[];
  baseDir: string;
}

export interface ArgoCDImport {
  apps: AppConfig[];
  issues: ConfigIssue[];
  warnings: string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Sync options whose behaviour driftless has anyway, so they lose nothing.
const HARMLESS_SYNC_OPTIONS = new Set(['ServerSideApply=true', 'ApplyOutOfSyncOnly=true', 'CreateNamespace=false', 'Validate=true']);

class DocumentImport {
  readonly issues: ConfigIssue[] = [];
  readonly warnings: string[] = [];
  private appName = '';

  constructor(
    private readonly doc: LocatedDocument,
    private readonly file: string,
  ) {}

  setName(name: string): void {
    this.appName = name;
  }

  error(path: FieldPath, message: string): void {
    this.issues.push({ file: this.file, line: this.doc.lineOf(path), field: formatField(path), message });
  }

  warn(path: FieldPath, message: string): void {
    const line = this.doc.lineOf(path);
    const app = this.appName ? ` (app ${this.appName})` : '';
    const field = formatField(path);
    this.warnings.push(`${this.file}${line !== undefined ? `:${line}` : ''}: ${field ? `${field} ` : ''}${message}${app}`);
  }

  /** Warns once per field of `object` not in `handled`. */
  warnUnhandled(path: FieldPath, object: Raw, handled: readonly string[], why = 'is not supported by driftless; ignored'): void {
    for (const key of Object.keys(object)) if (!handled.includes(key)) this.warn([...path, key], why);
  }
}

function mapIgnoreDifferences(entries: unknown, into: DocumentImport): IgnoreRule[] {
  if (!Array.isArray(entries)) return [];
  const rules: IgnoreRule[] = [];
  entries.forEach((entry, i) => {
    const at = ['spec', 'ignoreDifferences', i];
    if (!isRecord(entry)) return;
    into.warnUnhandled(at, entry, ['group', 'kind', 'name', 'namespace', 'jsonPointers'], 'is not supported by driftless (only jsonPointers are); ignored');
    const pointers = Array.isArray(entry.jsonPointers) ? entry.jsonPointers.filter((p): p is string => typeof p === 'string' && p.startsWith('/')) : [];
    if (typeof entry.kind !== 'string' || pointers.length === 0) {
      into.warn(at, 'has no kind or no jsonPointers driftless can use; the whole entry is ignored');
      return;
    }
    const rule: IgnoreRule = { kind: entry.kind, jsonPointers: pointers };
    if (typeof entry.group === 'string') rule.group = entry.group;
    if (typeof entry.name === 'string') rule.name = entry.name;
    if (typeof entry.namespace === 'string') rule.namespace = entry.namespace;
    rules.push(rule);
  });
  return rules;
}

function mapSyncPolicy(policy: unknown, raw: Raw, into: DocumentImport): void {
  const syncPolicy = isRecord(policy) ? policy : {};
  into.warnUnhandled(['spec', 'syncPolicy'], syncPolicy, ['automated', 'syncOptions']);
  const automated = syncPolicy.automated;
  if (!isRecord(automated) || automated.enabled === false) {
    into.warn(['spec', 'syncPolicy'], 'has no automated sync: Argo CD syncs this app only by hand, driftless syncs it on every push to its branch');
  }
  if (isRecord(automated)) {
    into.warnUnhandled(['spec', 'syncPolicy', 'automated'], automated, ['prune', 'selfHeal', 'allowEmpty', 'enabled']);
    for (const key of ['prune', 'selfHeal', 'allowEmpty'] as const) if (typeof automated[key] === 'boolean') raw[key] = automated[key];
  }
  if (Array.isArray(syncPolicy.syncOptions)) {
    syncPolicy.syncOptions.forEach((option, i) => {
      if (option === 'CreateNamespace=true') raw.createNamespace = true;
      else if (!HARMLESS_SYNC_OPTIONS.has(String(option))) into.warn(['spec', 'syncPolicy', 'syncOptions', i], `'${String(option)}' is not supported by driftless; ignored`);
    });
  }
}

function sourceOf(spec: Raw, into: DocumentImport): { source: Raw; at: FieldPath } | undefined {
  if (isRecord(spec.source)) {
    if (spec.sources !== undefined) into.warn(['spec', 'sources'], 'is ignored: spec.source is used (driftless apps have one source)');
    return { source: spec.source, at: ['spec', 'source'] };
  }
  if (Array.isArray(spec.sources) && spec.sources.length === 1 && isRecord(spec.sources[0])) return { source: spec.sources[0], at: ['spec', 'sources', 0] };
  into.error(['spec', Array.isArray(spec.sources) ? 'sources' : 'source'], 'needs exactly one source (spec.source); multi-source Applications are not supported');
  return undefined;
}

function importDocument(doc: LocatedDocument, file: string, ctx: ArgoCDContext, into: DocumentImport): AppConfig | undefined {
  const data = doc.data;
  if (data === null || data === undefined) return undefined;
  if (!isRecord(data) || data.kind !== 'Application' || typeof data.apiVersion !== 'string' || !data.apiVersion.startsWith('argoproj.io/')) {
    const kind = isRecord(data) && typeof data.kind === 'string' ? data.kind : 'document';
    into.warn([], `${kind} is not an Argo CD Application (argoproj.io/v1alpha1); skipped`);
    return undefined;
  }
  const metadata = isRecord(data.metadata) ? data.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  into.setName(name);
  if (!DNS_LABEL.test(name) || name.length > 63) {
    into.error(['metadata', 'name'], `'${name}' cannot be an app name: it must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)`);
  }
  const spec = isRecord(data.spec) ? data.spec : {};
  if (spec.project !== undefined && spec.project !== 'default') {
    into.warn(['spec', 'project'], `'${String(spec.project)}' is ignored: driftless has no projects (restrict what an app may write with allow)`);
  }
  into.warnUnhandled(['spec'], spec, ['source', 'sources', 'destination', 'syncPolicy', 'ignoreDifferences', 'project']);
  const raw: Raw = { name };
  const found = sourceOf(spec, into);
  if (found) {
    const { source, at } = found;
    into.warnUnhandled(at, source, ['repoURL', 'targetRevision', 'path', 'directory']);
    if (isRecord(source.directory)) {
      // driftless always reads folders recursively, so only recurse: true means the same.
      const { recurse, ...rest } = source.directory;
      if (recurse !== true) into.warn([...at, 'directory', 'recurse'], 'is not true, but driftless always reads folders recursively');
      into.warnUnhandled([...at, 'directory'], rest, []);
    }
    const repoURL = typeof source.repoURL === 'string' ? source.repoURL : '';
    const repository = matchRepository(repoURL, ctx.repositories, ctx.baseDir);
    if ('error' in repository) into.error([...at, 'repoURL'], repository.error);
    else raw.repository = repository.name;
    Object.assign(raw, mapTargetRevision(source.targetRevision));
    const appPath = typeof source.path === 'string' ? source.path : '.';
    if (appPath.startsWith('/') || appPath.split('/').includes('..')) {
      into.error([...at, 'path'], "must be a relative path inside the repository: no leading '/', no '..'");
    }
    raw.path = normalizeAppPath(appPath);
  }
  const destination = isRecord(spec.destination) ? spec.destination : {};
  into.warnUnhandled(['spec', 'destination'], destination, ['server', 'name', 'namespace']);
  const cluster = matchCluster(destination, ctx.clusters);
  if ('error' in cluster) into.error(['spec', 'destination', ...(cluster.field ? [cluster.field] : [])], cluster.error);
  else raw.cluster = cluster.name;
  const namespace = destination.namespace;
  if (typeof namespace !== 'string' || !DNS_LABEL.test(namespace)) {
    into.error(['spec', 'destination', 'namespace'], 'driftless needs the namespace the app deploys to: a DNS-1123 label (lowercase letters, digits and \'-\')');
  } else raw.namespace = namespace;
  mapSyncPolicy(spec.syncPolicy, raw, into);
  const app = buildApp(raw, { file, line: doc.line });
  app.ignore = mapIgnoreDifferences(spec.ignoreDifferences, into);
  return app;
}

/** Turns the Application documents of Argo CD files into apps; never drops a field without a warning. */
export function importArgoCDFiles(files: ArgoCDFile[], ctx: ArgoCDContext, display: (file: string) => string): ArgoCDImport {
  const result: ArgoCDImport = { apps: [], issues: [], warnings: [] };
  for (const { file, text } of files) {
    const shown = display(file);
    const { documents, issues } = parseYamlDocuments(text, shown);
    result.issues.push(...issues);
    for (const doc of documents) {
      const into = new DocumentImport(doc, shown);
      const app = importDocument(doc, shown, ctx, into);
      result.issues.push(...into.issues);
      result.warnings.push(...into.warnings);
      if (app && into.issues.length === 0) result.apps.push(app);
    }
  }
  return result;
}
