import { randomUUID } from 'node:crypto';
import type { AppConfig, DriftlessConfig } from '../config/types.ts';
import { DriftlessError } from '../core/errors.ts';
import { noopMetrics, type Metrics } from '../ports/metrics.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { SyncQueue, SyncRequest } from '../ports/queue.ts';
import type { Reporter } from '../ports/reporter.ts';
import type { StateStore, SyncRecord } from '../ports/state.ts';
import type { Engine, Logger } from './engine.ts';

export interface ServiceDeps {
  config: DriftlessConfig;
  store: StateStore;
  queue: SyncQueue;
  engine: Engine;
  /** Reports to GitHub; leave out when the engine reports itself. */
  reporter?: Reporter;
  log?: Logger;
  /** Announces state changes (sync failed or recovered, health, drift, self-heal); absent: none. */
  notifier?: Notifier;
  /** Sync, webhook and drift figures (default: none). */
  metrics?: Metrics;
  now?: () => Date;
  newId?: () => string;
}

export type SyncWaiter = (record: SyncRecord) => void;

/** Shared plumbing of the service parts: deps, the clock, and waiters for `?wait=true`. */
export class ServiceContext {
  readonly waiters = new Map<string, SyncWaiter[]>();

  constructor(readonly deps: ServiceDeps) {}

  get store(): StateStore {
    return this.deps.store;
  }

  get engine(): Engine {
    return this.deps.engine;
  }

  get log(): Logger {
    return this.deps.log ?? { info: () => {}, warn: () => {}, error: () => {} };
  }

  get metrics(): Metrics {
    return this.deps.metrics ?? noopMetrics;
  }

  now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  newId(): string {
    return this.deps.newId?.() ?? randomUUID();
  }

  app(name: string): AppConfig | undefined {
    return this.deps.config.apps.find((app) => app.name === name);
  }

  requireApp(name: string): AppConfig {
    const app = this.app(name);
    if (!app) throw new DriftlessError('APP_NOT_FOUND', `no app named "${name}" in ${this.deps.config.file}`, { field: 'app' });
    return app;
  }

  /** Records the request as queued, then enqueues it; a queue failure is QUEUE_UNAVAILABLE (503). */
  async enqueue(request: SyncRequest): Promise<SyncRecord> {
    const record: SyncRecord = {
      id: request.id, app: request.app, trigger: request.trigger, dryRun: Boolean(request.dryRun), state: 'queued', queuedAt: request.enqueuedAt,
    };
    if (request.revision !== undefined) record.requested = request.revision;
    if (request.pin) record.pin = true;
    await this.store.putSync(record);
    try {
      await this.deps.queue.enqueue(request);
    } catch (cause) {
      const failed: SyncRecord = { ...record, state: 'failed', finishedAt: this.now(), error: { code: 'QUEUE_UNAVAILABLE', message: 'the sync could not be queued' } };
      await this.store.putSync(failed);
      this.log.error('enqueue failed', { app: request.app, sync: request.id, trace: request.trace ?? request.id, error: cause instanceof Error ? cause.message : String(cause) });
      throw new DriftlessError('QUEUE_UNAVAILABLE', 'the sync queue is unavailable; retry (GitHub: redeliver)', { transient: true }, { cause });
    }
    return record;
  }

  /** Stores the final record and wakes whoever waits for it. */
  async finish(record: SyncRecord): Promise<void> {
    await this.store.putSync(record);
    for (const wake of this.waiters.get(record.id) ?? []) wake(record);
    this.waiters.delete(record.id);
  }

  /** Resolves when the sync ends (or the one it was folded into ends). */
  async waitFor(id: string): Promise<SyncRecord> {
    for (;;) {
      // Listen before reading, so a finish between the read and the listen is not missed.
      let wake!: SyncWaiter;
      const woken = new Promise<SyncRecord>((resolve) => (wake = resolve));
      this.waiters.set(id, [...(this.waiters.get(id) ?? []), wake]);
      const record = await this.store.getSync(id);
      if (!record) {
        this.dropWaiter(id, wake);
        throw new DriftlessError('NOT_FOUND', `no sync with id ${id}`);
      }
      if (record.coalescedInto) {
        this.dropWaiter(id, wake);
        id = record.coalescedInto;
        continue;
      }
      if (record.state !== 'queued' && record.state !== 'running') {
        this.dropWaiter(id, wake);
        return record;
      }
      const final = await woken;
      if (!final.coalescedInto) return final;
      id = final.coalescedInto;
    }
  }

  /**
   * Reads the store until the sync ends (or the one it was folded into ends), for at most `timeoutMs`:
   * undefined when it is still pending then. For processes that do not run the sync themselves
   * (the Lambda http function), where no in-process waiter is ever woken.
   */
  async pollFor(id: string, timeoutMs: number, intervalMs = 500): Promise<SyncRecord | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.store.getSync(id);
      if (!record) throw new DriftlessError('NOT_FOUND', `no sync with id ${id}`);
      if (record.coalescedInto) {
        id = record.coalescedInto;
        continue;
      }
      if (record.state !== 'queued' && record.state !== 'running') return record;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
    }
  }

  private dropWaiter(id: string, wake: SyncWaiter): void {
    const rest = (this.waiters.get(id) ?? []).filter((w) => w !== wake);
    if (rest.length > 0) this.waiters.set(id, rest);
    else this.waiters.delete(id);
  }

  newRequest(app: string, fields: Omit<SyncRequest, 'id' | 'app' | 'enqueuedAt'>): SyncRequest {
    return { id: this.newId(), app, enqueuedAt: this.now(), ...fields };
  }
}
