/** Domain types of the reconcile pipeline: event → source → render → plan → apply/prune → report. */

/** A Kubernetes object as JSON. Its shape is the API server's business; we read it through helpers. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: ManagedFieldsEntry[];
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  [field: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Identity of an object across versions: group (not version), kind, namespace, name. */
export interface ObjectRef {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Where a manifest came from, for error messages that name a file and line. */
export interface Origin {
  file: string;
  line?: number;
}

/** One desired object, as rendered from Git. */
export interface Manifest {
  object: KubeObject;
  origin: Origin;
}

/** A resolved point in a source's history. `sha` is always a full commit SHA. */
export interface Revision {
  /** What was asked for: a branch, a tag, or a SHA. */
  ref: string;
  sha: string;
}

export type SyncAction = 'create' | 'update' | 'unchanged' | 'prune';
export type ObjectOutcome = 'applied' | 'unchanged' | 'pruned' | 'failed' | 'skipped' | 'dry-run';
export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Missing' | 'Unknown';

/** Per-object line of a Plan. Secret data never appears here, only key names and a hash. */
export interface PlannedChange {
  ref: ObjectRef;
  action: SyncAction;
  origin?: Origin;
  /** Readable diff of managed fields (masked for Secrets). Empty for unchanged. */
  diff?: string;
  /** Other managers that own fields we are about to take over. */
  displacedManagers?: string[];
}

export interface Plan {
  app: string;
  revision: Revision;
  changes: PlannedChange[];
  /** Objects in the inventory that Git no longer has. */
  prunes: PlannedChange[];
}

export interface ObjectResult {
  ref: ObjectRef;
  action: SyncAction;
  outcome: ObjectOutcome;
  origin?: Origin;
  displacedManagers?: string[];
  health?: HealthStatus;
  message?: string;
}

export interface SyncError {
  code: string;
  message: string;
  object?: string;
  file?: string;
  /** Set when `classify` (core/retry) judged the failure transient: running the same sync later may succeed. */
  transient?: boolean;
  retryAfterMs?: number;
}

export type SyncStatus = 'Synced' | 'Degraded' | 'Failed' | 'DryRun';

export interface SyncResult {
  app: string;
  revision: Revision;
  status: SyncStatus;
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  objects: ObjectResult[];
  pruned: ObjectRef[];
  displacedManagers: string[];
  health: HealthStatus;
  errors: SyncError[];
}

/** How an object differs from what driftless last applied. */
export type DriftState = 'modified' | 'missing' | 'extra';

/** One drifted field: a JSON pointer into the object, with both values (Secret values masked). */
export interface DriftField {
  path: string;
  /** Absent: Git does not set it (a field driftless applied earlier and someone else now holds). */
  desired?: unknown;
  /** Absent: the field is gone from the live object. */
  live?: unknown;
  /** Field manager that holds the path now (from managedFields), when one does. */
  manager?: string;
}

export interface DriftedObject {
  ref: ObjectRef;
  state: DriftState;
  /** The changed fields (`modified` only). */
  fields: DriftField[];
  origin?: Origin;
}

/**
 * Synced: the cluster holds what driftless last synced. OutOfSync: `objects` says what differs.
 * Unknown: the check could not tell (`reason` says why).
 */
export type DriftStatus = 'Synced' | 'OutOfSync' | 'Unknown';

export interface DriftReport {
  app: string;
  status: DriftStatus;
  /** Why the status is Unknown (cluster unreachable, credentials refused, render failed, untrusted revision...). */
  reason?: { code: string; message: string };
  /** The revision drift is measured against: the last one driftless synced for this app. */
  revision?: Revision;
  /** The branch head when it has moved past `revision` (Git changed and no sync ran yet). */
  pending?: string;
  checkedAt: string;
  /** Drifted objects only. */
  objects: DriftedObject[];
}

/** What driftless recorded as applied, per app; the basis of prune and of no-op detection. */
export interface InventoryEntry {
  ref: ObjectRef;
  apiVersion: string;
  /** Hash of the configuration driftless applied (after ignore rules); keyed (HMAC) for Secrets. */
  appliedHash: string;
  /** uid of the object driftless applied: prune deletes only the object with this uid. */
  uid?: string;
}

export interface Inventory {
  app: string;
  revision?: Revision;
  entries: InventoryEntry[];
  /** Verified with a previous signing key: the next sync rewrites it with the current key. */
  signedWithPreviousKey?: boolean;
}

/** Who or what asked for a sync, for the audit log. */
export type Trigger =
  | { kind: 'push'; delivery: string; sender?: string }
  | { kind: 'manual'; actor: string }
  | { kind: 'poll' }
  | { kind: 'schedule' }
  | { kind: 'cli'; actor?: string }
  /** Self-heal: a drift check found the cluster changed and queued the revision it last synced. */
  | { kind: 'heal'; checkedAt: string };
