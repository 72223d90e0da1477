import type { KubeObject } from '../core/types.ts';

/**
 * The Kubernetes API as the reconcile engine needs it. Implementations throw DriftlessError:
 * CLUSTER_UNAUTHORIZED (401/403 on auth), CLUSTER_UNAVAILABLE (network, 5xx, 429; `details.transient`
 * and `details.retryAfterMs` set), APPLY_CONFLICT (409 on apply), APPLY_FAILED (400/422 and other
 * refusals; `details.schemaMismatch` when an apply body does not fit the server's schema, which a real
 * server answers with 500 `failed to create typed patch object`: permanent, never CLUSTER_UNAVAILABLE),
 * each keeping the API server's own Status message. `details.status` holds the HTTP status.
 */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. "deployments". */
  plural: string;
  namespaced: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ApplyOptions {
  fieldManager: string;
  force: boolean;
  dryRun?: boolean;
  /**
   * What the server does with fields its schema does not declare: `Strict` refuses the apply,
   * `Warn` (the server's default) and `Ignore` drop them silently.
   */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

export interface ClusterClient {
  /** API server URL, for messages and cache keys. */
  readonly server: string;
  /**
   * Resolves apiVersion+kind through discovery; undefined when the server does not serve it.
   * `refresh` bypasses caches (after a CRD is established, or before declaring a kind unknown).
   */
  resolve(apiVersion: string, kind: string, options?: { refresh?: boolean }): Promise<ResourceType | undefined>;
  /**
   * Lists a type in one namespace (or cluster-wide for cluster-scoped types, or when namespace is
   * absent); `labelSelector` in the API's syntax (`app=web,tier in (a,b)`) narrows it server-side.
   */
  list(type: ResourceType, namespace?: string, options?: ListOptions): Promise<KubeObject[]>;
  /** Reads one object; undefined when it does not exist. */
  get(type: ResourceType, name: string, namespace?: string): Promise<KubeObject | undefined>;
  /** Server-side apply; returns the object as the server stored it (or would store it, for dry runs). */
  apply(type: ResourceType, object: KubeObject, options: ApplyOptions): Promise<KubeObject>;
  /** JSON patch (RFC 6902), used to rewrite managedFields when adopting client-side-applied objects. */
  patchJson(type: ResourceType, name: string, namespace: string | undefined, operations: JsonPatchOperation[]): Promise<KubeObject>;
  /**
   * Deletes with background propagation; resolves false when the object was already gone. With
   * preconditions the server refuses (409) to delete an object that was replaced or changed since it
   * was read, so a prune never deletes what it did not check.
   */
  delete(type: ResourceType, name: string, namespace?: string, preconditions?: DeletePreconditions): Promise<boolean>;
  /**
   * The server's OpenAPI v3 document for a group version (/openapi/v3/apis/<group>/<version>), used to
   * check objects that cannot be dry-run yet; undefined when the server does not publish it.
   */
  openApi?(group: string, version: string): Promise<Record<string, unknown> | undefined>;
}

/** DeleteOptions.preconditions: the uid and resourceVersion the caller last saw. */
export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}
