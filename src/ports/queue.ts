import type { Trigger } from '../core/types.ts';

/**
 * A request to bring an app to a revision. A message means "bring this app to its branch head"
 * unless `revision` pins it; the worker resolves the head when it runs, so stale messages are
 * harmless and bursts coalesce.
 */
export interface SyncRequest {
  id: string;
  app: string;
  /** Explicit revision (SHA, branch or tag); absent: the app's configured branch head. */
  revision?: string;
  dryRun?: boolean;
  prune?: boolean;
  /** Pin the app to `revision` once this sync applied it (a manual rollback or roll-forward). */
  pin?: boolean;
  trigger: Trigger;
  /** The commit the triggering event named, used to skip work that is already done. */
  atLeast?: string;
  /**
   * The push could not tell which files changed: sync only if the app's render dependencies
   * changed between these commits (the worker asks the source; when it cannot tell, sync).
   */
  onlyIfChanged?: { from: string; to: string };
  enqueuedAt: string;
  /** Trace id of the request that caused this sync (logged on every line of the sync). */
  trace?: string;
}

/**
 * A drift check of one app, run by a worker (on AWS the schedule fans out one per app, so its own
 * run stays short however many apps there are). Serve checks drift in its own process and never
 * queues one. It travels in the app's message group: a check never runs beside a sync of its app.
 */
export interface DriftCheckRequest {
  kind: 'drift-check';
  id: string;
  app: string;
  /** The scheduled run that queued it (its time): the queue keeps one check per app per run. */
  run: string;
  enqueuedAt: string;
}

/** What a queue message carries: a sync, or a drift check (told apart by `kind`). */
export type QueueMessage = SyncRequest | DriftCheckRequest;

export function isDriftCheck(message: QueueMessage): message is DriftCheckRequest {
  return 'kind' in message && message.kind === 'drift-check';
}

/** Per-app serialized, coalescing work queue (in-process for serve; SQS FIFO on AWS). */
export interface SyncQueue {
  enqueue(request: SyncRequest): Promise<void>;
  /** Queues a drift check for a worker; only queues whose workers run them have it (SQS). */
  enqueueDriftCheck?(request: DriftCheckRequest): Promise<void>;
}
