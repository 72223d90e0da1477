import { HttpMethod, KubeConfig, PatchStrategy, type Configuration } from '@kubernetes/client-node';
import { DriftlessError } from '../../core/errors.ts';
import { pathSegmentProblem } from '../../core/names.ts';
import { groupOf, isRecord, versionOf } from '../../core/objects.ts';
import type { KubeObject } from '../../core/types.ts';
import type { Metrics } from '../../ports/metrics.ts';
import type { ApplyOptions, ClusterClient, DeletePreconditions, JsonPatchOperation, ListOptions, ResourceType } from '../../ports/cluster.ts';
import { DiscoveryCache } from './discovery.ts';
import { networkError, statusError, type Verb } from './errors.ts';
import { HttpStatusError, RawObjectApi, Slots } from './raw-api.ts';
import { refuseUnsafeKubeconfig } from './kubeconfig-policy.ts';
import { OpenApiDiskCache } from './disk-cache.ts';

export interface KubernetesClusterOptions {
  /** Context to use; default: the kubeconfig's current context. */
  context?: string;
  /** On-disk discovery cache folder (CLI; /tmp on Lambda); memory only when absent. */
  discoveryCacheDir?: string;
  /** On-disk folder for OpenAPI v3 documents (they are content-addressed by the server); memory only when absent. */
  openApiCacheDir?: string;
  /** Byte budget of each of those folders; default 64 MiB. */
  diskCacheMaxBytes?: number;
  discoveryTtlMs?: number;
  /** Give up on a request after this long (a transient CLUSTER_UNAVAILABLE); default 60 s. */
  requestTimeoutMs?: number;
  /** Keep-alive connections to the API server; default 32 (≥ any sane per-app concurrency). */
  maxSockets?: number;
  /** A bearer token read before every request (minted EKS tokens, tokens from a secret); replaces the kubeconfig user's. */
  token?: () => Promise<string>;
  /**
   * Asked once when the API server answers 401: a new KubeConfig (the credentials were re-read and
   * changed), true (`token` will give a new token), or false (nothing new: the 401 stands).
   */
  unauthorized?: () => Promise<KubeConfig | boolean>;
  /** Counts every request by cluster `name`, driftless operation and HTTP status. */
  metrics?: Metrics;
  /** The cluster's name in the config (the metrics label; default the server URL). */
  name?: string;
}

/**
 * The last guard before a URL exists: a segment of `..` (or `%2E%2E`, which Node's URL parser
 * decodes and collapses) would make the request address another object than the one checked, and
 * percent-encoding does not help (`..` encodes to itself). The engine checks names earlier, with
 * the per-kind rules; this refuses what no kind allows.
 */
function segment(what: string, value: string): string {
  const problem = pathSegmentProblem(value);
  if (problem) throw new DriftlessError('MANIFEST_INVALID', `refusing to build a request for ${what} ${JSON.stringify(value)}: ${problem}`, { field: what });
  return encodeURIComponent(value);
}

function basePath(group: string, version: string): string {
  return group ? `/apis/${segment('API group', group)}/${segment('API version', version)}` : `/api/${segment('API version', version)}`;
}

function resourcePath(type: ResourceType, namespace: string | undefined, name?: string): string {
  const ns = type.namespaced && namespace ? `/namespaces/${segment('metadata.namespace', namespace)}` : '';
  return `${basePath(type.group, type.version)}${ns}/${segment('resource', type.plural)}${name !== undefined ? `/${segment('metadata.name', name)}` : ''}`;
}

/** The Kubernetes adapter of the ClusterClient port, on @kubernetes/client-node 1.3. */
export class KubernetesCluster implements ClusterClient {
  readonly server: string;
  private api: RawObjectApi;
  private readonly maxSockets: number;
  private readonly options: KubernetesClusterOptions;
  private readonly discovery: DiscoveryCache;
  private readonly openApiIndex = new Map<string, Promise<Record<string, unknown> | undefined>>();
  private readonly openApiDisk: OpenApiDiskCache | undefined;
  private readonly timeoutMs: number;
  private readonly slots: Slots;
  private readonly count: (verb: Verb, code: number | 'error') => void;

  constructor(kubeconfig: KubeConfig, options: KubernetesClusterOptions = {}) {
    if (options.context) {
      if (!kubeconfig.getContextObject(options.context)) throw new DriftlessError('CONFIG_INVALID', `kubeconfig has no context "${options.context}" (it has: ${kubeconfig.getContexts().map((c) => c.name).join(', ') || 'none'})`, { field: 'context' });
      kubeconfig.setCurrentContext(options.context);
    }
    const cluster = kubeconfig.getCurrentCluster();
    if (!cluster) throw new DriftlessError('CONFIG_INVALID', 'kubeconfig has no current cluster: set current-context or the cluster context', { field: 'kubeconfig' });
    this.server = cluster.server;
    const metrics = options.metrics;
    const label = options.name ?? cluster.server;
    this.count = metrics ? (verb, code) => metrics.clusterRequest(label, verb, code) : () => {};
    this.timeoutMs = options.requestTimeoutMs ?? 60_000;
    this.options = options;
    this.maxSockets = options.maxSockets ?? 32;
    this.slots = new Slots(this.maxSockets);
    this.api = this.makeApi(kubeconfig);
    const maxBytes = options.diskCacheMaxBytes !== undefined ? { maxBytes: options.diskCacheMaxBytes } : {};
    this.discovery = new DiscoveryCache(this.server, { ...(options.discoveryCacheDir ? { dir: options.discoveryCacheDir } : {}), ...(options.discoveryTtlMs ? { ttlMs: options.discoveryTtlMs } : {}), ...maxBytes });
    this.openApiDisk = options.openApiCacheDir ? new OpenApiDiskCache(options.openApiCacheDir, this.server, options.diskCacheMaxBytes) : undefined;
  }

  private makeApi(kubeconfig: KubeConfig): RawObjectApi {
    const { maxSockets } = this;
    const token = this.options.token;
    return kubeconfig.makeApiClient(class extends RawObjectApi {
      constructor(configuration: Configuration) {
        super(configuration, maxSockets, token);
      }
    });
  }

  /** One try more after a 401, when the credentials' owner says it has something new to try. */
  private async call(verb: Verb, method: HttpMethod, path: string, query?: Record<string, string>, body?: { contentType: string; text: string }): Promise<unknown> {
    try {
      return await this.attempt(verb, method, path, query, body);
    } catch (err) {
      if (!(err instanceof DriftlessError && err.code === 'CLUSTER_UNAUTHORIZED' && err.details.status === 401 && this.options.unauthorized)) throw err;
      const renewed = await this.options.unauthorized();
      if (renewed === false) throw err;
      if (renewed !== true) this.api = this.makeApi(renewed);
      return this.attempt(verb, method, path, query, body);
    }
  }

  private async attempt(verb: Verb, method: HttpMethod, path: string, query?: Record<string, string>, body?: { contentType: string; text: string }): Promise<unknown> {
    await this.slots.acquire();
    let timer: NodeJS.Timeout | undefined;
    // client-node's fetch takes no signal: a hung server must still end in a retryable error.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DriftlessError('CLUSTER_UNAVAILABLE', `the API server at ${this.server} did not answer ${method} ${path} within ${this.timeoutMs / 1000}s`, { transient: true })), this.timeoutMs);
      timer.unref();
    });
    try {
      const response = await Promise.race([this.api.send(method, path, query, body), timeout]);
      this.count(verb, response.status);
      return response.body;
    } catch (err) {
      if (err instanceof HttpStatusError) {
        this.count(verb, err.status);
        throw statusError(err.status, err.body, err.headers, verb, this.server);
      }
      this.count(verb, 'error');
      throw networkError(err, this.server);
    } finally {
      clearTimeout(timer);
      this.slots.release();
    }
  }

  private async groupVersion(apiVersion: string, refresh: boolean): Promise<ResourceType[] | undefined> {
    if (!refresh) {
      const cached = await this.discovery.get(apiVersion);
      if (cached) return cached.resources;
    }
    const group = groupOf(apiVersion);
    const version = versionOf(apiVersion);
    let list: unknown;
    try {
      list = await this.call('discovery', HttpMethod.GET, basePath(group, version));
    } catch (err) {
      if (err instanceof DriftlessError && err.details.status === 404) {
        await this.discovery.set(apiVersion, undefined);
        return undefined;
      }
      throw err;
    }
    const resources = (isRecord(list) && Array.isArray(list.resources) ? list.resources : [])
      .filter((r): r is Record<string, unknown> => isRecord(r) && typeof r.name === 'string' && !r.name.includes('/'))
      .map((r) => ({ group, version, kind: String(r.kind), plural: String(r.name), namespaced: r.namespaced === true }));
    await this.discovery.set(apiVersion, resources);
    return resources;
  }

  async resolve(apiVersion: string, kind: string, options: { refresh?: boolean } = {}): Promise<ResourceType | undefined> {
    const resources = await this.groupVersion(apiVersion, options.refresh === true);
    return resources?.find((r) => r.kind === kind);
  }

  async list(type: ResourceType, namespace?: string, options: ListOptions = {}): Promise<KubeObject[]> {
    const query = { ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}), ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}) };
    const list = await this.call('list', HttpMethod.GET, resourcePath(type, namespace), Object.keys(query).length > 0 ? query : undefined);
    const items = isRecord(list) && Array.isArray(list.items) ? (list.items as KubeObject[]) : [];
    // List items carry no apiVersion/kind of their own.
    const apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
    return items.map((item) => ({ ...item, apiVersion, kind: type.kind }));
  }

  async get(type: ResourceType, name: string, namespace?: string): Promise<KubeObject | undefined> {
    try {
      return (await this.call('get', HttpMethod.GET, resourcePath(type, namespace, name))) as KubeObject;
    } catch (err) {
      if (err instanceof DriftlessError && err.details.status === 404) return undefined;
      throw err;
    }
  }

  async apply(type: ResourceType, object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const query: Record<string, string> = { fieldManager: options.fieldManager };
    if (options.force) query.force = 'true';
    if (options.dryRun) query.dryRun = 'All';
    if (options.fieldValidation) query.fieldValidation = options.fieldValidation;
    const path = resourcePath(type, object.metadata.namespace, object.metadata.name ?? '');
    return (await this.call('apply', HttpMethod.PATCH, path, query, { contentType: PatchStrategy.ServerSideApply, text: JSON.stringify(object) })) as KubeObject;
  }

  async patchJson(type: ResourceType, name: string, namespace: string | undefined, operations: JsonPatchOperation[]): Promise<KubeObject> {
    return (await this.call('patch', HttpMethod.PATCH, resourcePath(type, namespace, name), {}, { contentType: PatchStrategy.JsonPatch, text: JSON.stringify(operations) })) as KubeObject;
  }

  async delete(type: ResourceType, name: string, namespace?: string, preconditions?: DeletePreconditions): Promise<boolean> {
    const body = preconditions ? { contentType: 'application/json', text: JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions }) } : undefined;
    try {
      await this.call('delete', HttpMethod.DELETE, resourcePath(type, namespace, name), { propagationPolicy: 'Background' }, body);
      return true;
    } catch (err) {
      if (err instanceof DriftlessError && err.details.status === 404) return false;
      throw err;
    }
  }

  /** GET /version: the server's gitVersion (works for any authenticated caller). */
  async serverVersion(): Promise<string> {
    const body = await this.call('get', HttpMethod.GET, '/version');
    return isRecord(body) && typeof body.gitVersion === 'string' ? body.gitVersion : 'unknown';
  }

  /** Who the server says driftless is (SelfSubjectReview, GA in 1.28); undefined where the API is not served. */
  async whoAmI(): Promise<{ username: string; groups: string[] } | undefined> {
    let body: unknown;
    try {
      body = await this.call('get', HttpMethod.POST, '/apis/authentication.k8s.io/v1/selfsubjectreviews', {}, { contentType: 'application/json', text: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }) });
    } catch (err) {
      if (err instanceof DriftlessError && (err.details.status === 404 || err.details.status === 405)) return undefined;
      throw err;
    }
    const user = isRecord(body) && isRecord(body.status) && isRecord(body.status.userInfo) ? body.status.userInfo : {};
    return { username: typeof user.username === 'string' ? user.username : '', groups: Array.isArray(user.groups) ? user.groups.filter((g): g is string => typeof g === 'string') : [] };
  }

  /** SelfSubjectAccessReview: may driftless do `verb` on this resource? */
  async canI(attributes: { verb: string; group: string; resource: string; namespace?: string }): Promise<{ allowed: boolean; reason?: string }> {
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: attributes.verb, group: attributes.group, resource: attributes.resource, ...(attributes.namespace ? { namespace: attributes.namespace } : {}) } } };
    const body = await this.call('get', HttpMethod.POST, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {}, { contentType: 'application/json', text: JSON.stringify(review) });
    const status = isRecord(body) && isRecord(body.status) ? body.status : {};
    return { allowed: status.allowed === true, ...(typeof status.reason === 'string' && status.reason ? { reason: status.reason } : {}) };
  }

  openApi(group: string, version: string): Promise<Record<string, unknown> | undefined> {
    const key = group ? `apis/${group}/${version}` : `api/${version}`;
    let doc = this.openApiIndex.get(key);
    if (!doc) {
      doc = (async () => {
        const index = await this.call('openapi', HttpMethod.GET, '/openapi/v3');
        const paths = isRecord(index) && isRecord(index.paths) ? index.paths : {};
        const entry = paths[key];
        const url = isRecord(entry) && typeof entry.serverRelativeURL === 'string' ? entry.serverRelativeURL : undefined;
        if (!url) return undefined;
        const stored = await this.openApiDisk?.get(url);
        if (stored) return stored;
        const [pathname, search] = url.split('?');
        const query = Object.fromEntries(new URLSearchParams(search ?? ''));
        const result = await this.call('openapi', HttpMethod.GET, pathname!, query);
        if (!isRecord(result)) return undefined;
        await this.openApiDisk?.set(url, result);
        return result;
      })();
      this.openApiIndex.set(key, doc);
    }
    return doc;
  }
}

/** Parsed kubeconfig text, its context selected and its safety checked (see refuseUnsafeKubeconfig). */
export function parseKubeconfig(kubeconfigText: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(kubeconfigText);
  } catch (err) {
    // The parser's message quotes the offending lines, and a kubeconfig holds tokens and keys: keep only the reason and position.
    const e = err as { reason?: unknown; mark?: { line?: unknown; column?: unknown } };
    const where = typeof e.mark?.line === 'number' && typeof e.mark.column === 'number' ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
    // Other failures are client-node's structural checks ("users[0].name is missing"), which name fields only.
    const reason = typeof e.reason === 'string' ? e.reason : err instanceof Error ? err.message : 'it could not be parsed as a kubeconfig';
    throw new DriftlessError('CONFIG_INVALID', `kubeconfig is not valid${where}: ${reason}; check the clusters.<name>.kubeconfig reference points at a kubeconfig file`, { field: 'kubeconfig' });
  }
  if (context && kc.getContextObject(context)) kc.setCurrentContext(context);
  refuseUnsafeKubeconfig(kc);
  return kc;
}

/** A cluster client from kubeconfig text (never a file path: secrets resolve to content). */
export function createKubernetesCluster(kubeconfigText: string, options: KubernetesClusterOptions = {}): KubernetesCluster {
  return new KubernetesCluster(parseKubeconfig(kubeconfigText, options.context), options);
}
