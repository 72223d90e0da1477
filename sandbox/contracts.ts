/**
 * Contracts between the parts of the Kubernetes sandbox (the stand-in API server used by tests,
 * benchmarks and the quick start). The sandbox is test infrastructure: it never imports driftless's
 * product code, and the product never imports it.
 *
 *   server/     transport, auth, routing, verbs, watch, discovery, OpenAPI, tables, instruments
 *   schema/     OpenAPI → SchemaIndex (list types, merge keys, required fields)
 *   merge/      JSON patch, merge patch, strategic merge patch, server-side apply, managedFields
 *   lifecycle/  defaults, validation, controllers, garbage collection, namespace lifecycle
 */

export type Obj = Record<string, unknown>;

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

/** A served resource type, as discovery shows it. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. "deployments". */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: { status?: boolean; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  /** Whether metadata.generation is kept, and which changes bump it. */
  generation: 'none' | 'spec' | 'non-metadata' | 'non-status';
  /** Served from a CustomResourceDefinition. */
  custom?: boolean;
  /** CRD additionalPrinterColumns (custom resources only), for server-side tables. */
  printerColumns?: Array<{ name: string; type: string; jsonPath: string; format?: string; description?: string; priority?: number }>;
}

/** A Status cause, as the real server sends them in 422s. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** Any failure a request can end in; the server turns it into a `Status` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number },
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A schema node with $refs resolved (lazily) and Kubernetes extensions lifted into fields. */
export interface SchemaNode {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, SchemaNode>;
  /** Schema of map values (additionalProperties). */
  additional?: SchemaNode;
  items?: SchemaNode;
  required?: string[];
  /** x-kubernetes-list-type, or derived from x-kubernetes-patch-strategy / merge key for built-ins. */
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  /** Strategic-merge metadata (built-ins only): patch strategy ("merge", "replace", "retainKeys", …) and merge key. */
  patchStrategy?: string;
  patchMergeKey?: string;
  mapType?: 'atomic' | 'granular';
  preserveUnknownFields?: boolean;
  intOrString?: boolean;
  embeddedResource?: boolean;
  /** Default value from the schema: use only for list-map keys (e.g. protocol: TCP), never to fill objects. */
  default?: unknown;
  enum?: unknown[];
  format?: string;
  description?: string;
  /** `nullable: true` (CRDs): null is a value here, not a field to prune or default. */
  nullable?: boolean;
  /** A CRD's value keywords (minimum, pattern, maxItems, …), compiled once when the CRD is registered. */
  checks?: ValueChecks;
  /** The OpenAPI component the node stands for (`io.k8s.api.apps.v1.DeploymentSpec`), which names its Go type in decode errors. */
  ref?: string;
}

/** The JSON-schema value keywords of a CRD schema node, as kube-openapi's validate package checks them. */
export interface ValueChecks {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  /** The pattern as written (for messages) and compiled once. */
  pattern?: { source: string; re: RegExp };
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
}

export interface SchemaIndex {
  /** The top-level schema of a kind, or undefined when the kind has no schema. */
  root(gvk: GVK): SchemaNode | undefined;
  /** Add or replace the schema of a CRD's served versions (called when a CRD is Established). */
  registerCustom(gvk: GVK, schema: SchemaNode): void;
  unregisterCustom(gvk: GVK): void;
}

export interface ApplyArgs {
  live: Obj | undefined;
  applied: Obj;
  manager: string;
  force: boolean;
  schema: SchemaNode | undefined;
  apiVersion: string;
  subresource?: string;
  /** RFC 3339 time to stamp into managedFields. */
  now: string;
  /** The type has a status subresource: main-resource writes neither change nor own `.status`, status writes do not own `.spec`. */
  statusSubresource?: boolean;
}

export interface UpdateArgs {
  old: Obj | undefined;
  updated: Obj;
  manager: string;
  schema: SchemaNode | undefined;
  apiVersion: string;
  subresource?: string;
  now: string;
  /** The type has a status subresource: main-resource writes neither change nor own `.status`, status writes do not own `.spec`. */
  statusSubresource?: boolean;
}

/** Watch event as stored in the event history and sent to watchers. */
export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: ResourceInfo;
  object: Obj;
}

/**
 * What lifecycle controllers see of the store. Their writes are the cluster's own: they are not
 * counted in /_sandbox/requests, but they bump resourceVersions and emit watch events like any write.
 */
export interface ControllerHost {
  resource(group: string, kind: string): ResourceInfo | undefined;
  /**
   * Every served resource type, CRDs included (optional: without it controllers scan a built-in
   * list plus the types they have seen in events, for namespace deletion and garbage collection).
   */
  resources?(): ResourceInfo[];
  list(resource: ResourceInfo, namespace?: string): Obj[];
  /**
   * Objects of a type in a namespace whose ownerReferences name `ownerUid` (optional: without it
   * controllers filter `list`). Controllers ask this on every reconcile; a host can index it.
   */
  listOwned?(resource: ResourceInfo, namespace: string | undefined, ownerUid: string): Obj[];
  get(resource: ResourceInfo, namespace: string | undefined, name: string): Obj | undefined;
  /** Creates as manager `manager` (defaults applied, not validated against client rules). */
  create(resource: ResourceInfo, object: Obj, manager: string): Obj;
  /**
   * Replaces the main resource (or its status subresource), keeping resourceVersion semantics.
   * 'finalize' is the namespace finalize subresource: only spec.finalizers changes, and a deleting
   * namespace left without finalizers is removed.
   */
  update(resource: ResourceInfo, object: Obj, manager: string, subresource?: 'status' | 'finalize'): Obj;
  /** Deletes as the API would (finalizers honoured, deletionTimestamp set when they remain). */
  delete(resource: ResourceInfo, namespace: string | undefined, name: string, propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'): void;
  /** Removes the object for good (after its finalizers are gone). */
  subscribe(listener: (event: StoreEvent) => void): () => void;
  now(): Date;
  /** Timer the host can cancel on stop (and tests can speed up). */
  after(ms: number, fn: () => void): void;
}
