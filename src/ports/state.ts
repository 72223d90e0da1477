import type { DriftReport, DriftStatus, Revision, SyncResult, SyncStatus, Trigger } from '../core/types.ts';

/**
 * Durable state of the webhook service: deliveries (for redelivery semantics), app status,
 * pins, the sync audit log and render dependencies. SQLite in `serve`, DynamoDB on AWS.
 */

/** received → queued (every sync it asked for is enqueued) or done (nothing to enqueue). */
export type DeliveryState = 'received' | 'queued' | 'done';

export interface DeliveryRecord {
  id: string;
  event: string;
  state: DeliveryState;
  /** Apps the delivery asked to sync. */
  apps: string[];
  receivedAt: string;
  updatedAt: string;
  /**
   * While "received": the handler that claimed it holds it until then (ISO time). A claim that
   * never reached "queued" expires, so a redelivery after a crash is enqueued again.
   */
  claimedUntil?: string;
}

/** `claimed`: this caller owns the delivery and must enqueue it; else `record` is what holds it. */
export interface DeliveryClaim {
  claimed: boolean;
  record: DeliveryRecord;
}

/** A named, expiring exclusive hold (one holder at a time), e.g. one drift run or one app's sync. */
export interface Lease {
  name: string;
  holder: string;
  /** ISO time; past it, anyone may take the lease. */
  expiresAt: string;
}

export interface Pin {
  /** The revision (SHA, tag or branch) the app stays at until unpinned. */
  revision: string;
  /** Who pinned it: an API token's non-secret id (token#N) or another actor name. */
  by: string;
  at: string;
}

/** What the store keeps of its logs: finished syncs, deliveries and drift reports past either bound are deleted. */
export interface RetentionPolicy {
  /** Records older than this (ISO time) go, except each app's newest drift report. */
  olderThan: string;
  /** Finished syncs kept per app, newest first. */
  maxSyncsPerApp: number;
  /** Deliveries kept, newest first. */
  maxDeliveries: number;
  /** Drift reports kept per app, newest first (at least 1: the newest is what GET /drift serves). */
  maxDriftReportsPerApp: number;
}

export interface PruneCounts {
  syncs: number;
  deliveries: number;
  driftReports: number;
}

export type StoreHealth = { ok: true } | { ok: false; reason: string };

export type AppState = SyncStatus | 'Never' | 'Queued' | 'Syncing';

/**
 * Self-heal stopped for the app: something keeps changing the cluster back after each heal.
 * Cleared by the next push or manual sync.
 */
export interface HealSuspension {
  at: string;
  /** Field managers holding the drifted fields (from managedFields), sorted; may be empty. */
  managers: string[];
  /** The drifted fields, as `kind namespace/name path` (or `kind namespace/name (missing)`). */
  fields: string[];
  message: string;
}

/** Self-heal bookkeeping of one app (apps with selfHeal only). */
export interface HealState {
  /** When heals were queued within the back-off window, oldest first. */
  recent: string[];
  suspended?: HealSuspension;
}

/** The app's last drift check, kept on its status so GET /apps answers from one read. */
export interface AppDriftSummary {
  status: DriftStatus;
  checkedAt: string;
  /** Drifted objects in that report. */
  objects: number;
  /** Fingerprint of the drift last delivered to people (src/drift/change.ts); absent: none yet. */
  notified?: string;
}

/** What self-heal did with one drift report, stored with it. */
export type HealOutcome =
  | { action: 'queued'; syncId: string; revision: string }
  | { action: 'suspended'; suspension: HealSuspension }
  | { action: 'skipped'; reason: string };

/** A drift report as stored: what the check found, and what self-heal did about it. */
export interface DriftRecord extends DriftReport {
  heal?: HealOutcome;
}

export interface AppStatusRecord {
  app: string;
  /** Last revision synced (not dry run). */
  revision?: Revision;
  status: AppState;
  lastSyncAt?: string;
  lastSyncId?: string;
  /** The branch the app follows was deleted: nothing syncs or prunes until it is back. */
  sourceMissing: boolean;
  pin?: Pin;
  message?: string;
  drift?: AppDriftSummary;
  heal?: HealState;
}

export type SyncRecordState = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** One line of the audit log: who or what asked, what revision, what changed, how it ended. */
export interface SyncRecord {
  id: string;
  app: string;
  trigger: Trigger;
  /** Revision asked for (absent: the branch head). */
  requested?: string;
  dryRun: boolean;
  state: SyncRecordState;
  queuedAt: string;
  startedAt?: string;
  finishedAt?: string;
  revision?: Revision;
  /** Objects created, updated or pruned. */
  changes?: number;
  result?: SyncResult;
  error?: { code: string; message: string };
  /** Why a skipped sync did nothing (already at head, pinned, nothing it depends on changed). */
  reason?: string;
  /** Set when this request was folded into another one (coalescing). */
  coalescedInto?: string;
  /** A manual sync to an explicit revision: the app is pinned there once it applied. */
  pin?: boolean;
}

export type NotificationSinkKind = 'slack' | 'teams' | 'webhook';

/** One delivery of one notification to one sink, for the audit log (GET /notifications). */
export interface NotificationRecord {
  /** Unique per event and sink; the webhook sink sends it as X-Driftless-Delivery. */
  id: string;
  event: string;
  app: string;
  /** Index of the sink in `notifications:` and its kind; never its URL (it may be a secret). */
  sink: { index: number; kind: NotificationSinkKind };
  state: 'delivered' | 'failed';
  attempts: number;
  at: string;
  /** HTTP status of the last attempt, when there was a response. */
  status?: number;
  /** Why the last attempt failed (no URL, no secret). */
  error?: string;
}

export interface StateStore {
  getDelivery(id: string): Promise<DeliveryRecord | undefined>;
  putDelivery(record: DeliveryRecord): Promise<void>;
  /**
   * Claims a delivery in one conditional write: wins when the id is unknown, or still "received"
   * with its claim expired at `now` (missing `claimedUntil` counts as expired). Of concurrent
   * claims exactly one wins. The winner's record is `record` in state "received" with
   * `claimedUntil` set (keeping the first `receivedAt`); a loser gets the record that holds it.
   */
  claimDelivery(record: DeliveryRecord, claim: { now: string; claimedUntil: string }): Promise<DeliveryClaim>;

  /**
   * Takes the lease `name` for `holder` until `expiresAt`, or renews it if `holder` holds it.
   * False when another holder's lease is still valid at `now`. Expiry is checked in the write
   * itself, never left to a store's TTL sweeper.
   */
  acquireLease(name: string, holder: string, times: { now: string; expiresAt: string }): Promise<boolean>;
  /** Gives the lease up if `holder` holds it (a no-op otherwise). */
  releaseLease(name: string, holder: string): Promise<void>;
  getLease(name: string): Promise<Lease | undefined>;

  getAppStatus(app: string): Promise<AppStatusRecord | undefined>;
  listAppStatus(): Promise<AppStatusRecord[]>;
  /** Merges `patch` into the app's status (creating it with status Never). */
  updateAppStatus(app: string, patch: Partial<Omit<AppStatusRecord, 'app'>>): Promise<AppStatusRecord>;
  setPin(app: string, pin: Pin | undefined): Promise<void>;

  putSync(record: SyncRecord): Promise<void>;
  getSync(id: string): Promise<SyncRecord | undefined>;
  /** Newest first. */
  listSyncs(filter?: { app?: string; limit?: number }): Promise<SyncRecord[]>;

  /** Repository paths the app's last render read; undefined before its first render. */
  getRenderDependencies(app: string): Promise<string[] | undefined>;
  setRenderDependencies(app: string, paths: string[]): Promise<void>;
  /** Every app's recorded dependencies in one read (the webhook handler routes against all apps). */
  listRenderDependencies(): Promise<Map<string, string[]>>;

  /** Appends a drift report to the app's history. */
  putDriftReport(record: DriftRecord): Promise<void>;
  /** The app's drift reports, newest first (default limit 20). */
  listDriftReports(app: string, limit?: number): Promise<DriftRecord[]>;
  /** The newest drift report of every app that has one, sorted by app name. */
  latestDriftReports(): Promise<DriftRecord[]>;

  /**
   * Appends a notification delivery to the audit log. Optional so that a store without it still
   * runs (deliveries are then only logged); the memory and SQLite stores have it.
   */
  putNotification?(record: NotificationRecord): Promise<void>;
  /** Notification deliveries, newest first (default limit 50). */
  listNotifications?(filter?: { app?: string; limit?: number }): Promise<NotificationRecord[]>;

  /**
   * Deletes finished syncs, deliveries and drift reports past the policy (never a queued or
   * running sync, never an app's newest drift report).
   */
  prune(policy: RetentionPolicy): Promise<PruneCounts>;
  /** Whether the store can be read and written right now, and why not. */
  health(): Promise<StoreHealth>;

  close(): Promise<void>;
}
