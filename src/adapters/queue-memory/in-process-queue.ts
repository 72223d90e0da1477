import { defaultRetryPolicy, sleep as defaultSleep, withRetry, type RetryPolicy } from '../../core/retry.ts';
import type { SyncQueue, SyncRequest } from '../../ports/queue.ts';
import { mergeRequests } from '../../queue/coalesce.ts';

export interface InProcessQueueOptions {
  /** Runs one request; throws to fail it. Transient failures are retried. */
  run: (request: SyncRequest) => Promise<void>;
  /** `dropped` was folded into `into` (which keeps its id and runs later). */
  onCoalesced?: (dropped: SyncRequest, into: SyncRequest) => void | Promise<void>;
  /** A permanent failure, or a transient one that outlived the retry policy. */
  onFailed?: (request: SyncRequest, error: unknown) => void | Promise<void>;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** Apps synced at the same time (never two syncs of one app). Default 4. */
  concurrency?: number;
}

export interface QueueStats {
  enqueued: number;
  coalesced: number;
  runs: number;
  retries: number;
  failed: number;
  pending: number;
  running: number;
}

interface Lane {
  pending: SyncRequest[];
  running: boolean;
}

/**
 * The in-process SyncQueue of `serve`: one lane per app, run one at a time, consecutive
 * "bring to head" requests folded into one so a burst of pushes costs one or two syncs.
 */
export class InProcessSyncQueue implements SyncQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly ready: string[] = [];
  private active = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly counters = { enqueued: 0, coalesced: 0, runs: 0, retries: 0, failed: 0 };

  constructor(private readonly options: InProcessQueueOptions) {}

  async enqueue(request: SyncRequest): Promise<void> {
    if (this.closed) throw new Error('queue closed');
    this.counters.enqueued++;
    const lane = this.lanes.get(request.app) ?? { pending: [], running: false };
    this.lanes.set(request.app, lane);
    const last = lane.pending.at(-1);
    const merged = last && mergeRequests(last, request);
    if (last && merged) {
      lane.pending[lane.pending.length - 1] = merged;
      this.counters.coalesced++;
      await this.options.onCoalesced?.(request, merged);
      return;
    }
    lane.pending.push(request);
    if (!lane.running && !this.ready.includes(request.app)) this.ready.push(request.app);
    this.pump();
  }

  stats(): QueueStats {
    let pending = 0;
    let running = 0;
    for (const lane of this.lanes.values()) {
      pending += lane.pending.length;
      if (lane.running) running++;
    }
    return { ...this.counters, pending, running };
  }

  /** Resolves when nothing is pending or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops accepting work; waits for running syncs and, with `drain`, for pending ones too. */
  async close(options: { drain?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (!options.drain) {
      this.ready.length = 0;
      for (const lane of this.lanes.values()) lane.pending.length = 0;
    }
    await this.idle();
  }

  private isIdle(): boolean {
    return this.active === 0 && [...this.lanes.values()].every((lane) => lane.pending.length === 0);
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 4;
    while (this.active < limit && this.ready.length > 0) {
      const app = this.ready.shift()!;
      const lane = this.lanes.get(app);
      const request = lane?.pending.shift();
      if (!lane || !request) continue;
      lane.running = true;
      this.active++;
      void this.execute(request).finally(() => {
        lane.running = false;
        this.active--;
        if (lane.pending.length > 0) this.ready.push(app);
        else this.lanes.delete(app);
        this.pump();
        if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async execute(request: SyncRequest): Promise<void> {
    this.counters.runs++;
    try {
      await withRetry(() => this.options.run(request), {
        policy: this.options.retry ?? defaultRetryPolicy,
        sleep: this.options.sleep ?? defaultSleep,
        onRetry: () => void this.counters.retries++,
      });
    } catch (error) {
      this.counters.failed++;
      try {
        await this.options.onFailed?.(request, error);
      } catch {
        // A failing failure hook must not wedge the lane; the sync record stays as it was.
      }
    }
  }
}
