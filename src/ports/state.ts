import type { Revision, SyncResult, SyncStatus, Trigger } from '../core/types.ts';

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
}

export interface Pin {
  /** The revision (SHA, tag or branch) the app stays at until unpinned. */
  revision: string;
  /** Who pinned it: an API token's non-secret id (token#N) or another actor name. */
  by: string;
  at: string;
}

/** What the store keeps of its logs: finished syncs and deliveries past either bound are deleted. */
export interface RetentionPolicy {
  /** Records older than this (ISO time) go. */
  olderThan: string;
  /** Finished syncs kept per app, newest first. */
  maxSyncsPerApp: number;
  /** Deliveries kept, newest first. */
  maxDeliveries: number;
}

export type StoreHealth = { ok: true } | { ok: false; reason: string };

export type AppState = SyncStatus | 'Never' | 'Queued' | 'Syncing';

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

export interface StateStore {
  getDelivery(id: string): Promise<DeliveryRecord | undefined>;
  putDelivery(record: DeliveryRecord): Promise<void>;

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

  /** Deletes finished syncs and deliveries past the policy (never a queued or running sync). */
  prune(policy: RetentionPolicy): Promise<{ syncs: number; deliveries: number }>;
  /** Whether the store can be read and written right now, and why not. */
  health(): Promise<StoreHealth>;

  close(): Promise<void>;
}
