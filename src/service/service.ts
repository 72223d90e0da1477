import type { AppConfig } from '../config/types.ts';
import { DriftlessError } from '../core/errors.ts';
import type { Plan } from '../core/types.ts';
import type { SyncRequest } from '../ports/queue.ts';
import type { AppStatusRecord, StateStore, StoreHealth, SyncRecord } from '../ports/state.ts';
import { ServiceContext, type ServiceDeps } from './context.ts';
import { requestManualSync, unpinApp, type ManualSyncBody } from './manual.ts';
import { pollOnce, startPoller, type Poller } from './poller.ts';
import { handleWebhook, type WebhookDelivery, type WebhookOutcome } from './webhooks.ts';
import { recordCoalesced, recordFailure, runSyncRequest } from './worker.ts';

export interface AppView {
  name: string;
  repository: string;
  branch?: string;
  path: string;
  cluster: string;
  namespace: string;
  revision?: { ref: string; sha: string };
  status: AppStatusRecord['status'];
  lastSyncAt?: string;
  lastSyncId?: string;
  pinned?: AppStatusRecord['pin'];
  sourceMissing: boolean;
  message?: string;
}

/**
 * The application service behind the HTTP API, the queue worker and the poller: one object
 * that `serve`, the Lambda handlers and tests share.
 */
export class DriftlessService {
  readonly ctx: ServiceContext;

  constructor(deps: ServiceDeps) {
    this.ctx = new ServiceContext(deps);
  }

  get store(): StateStore {
    return this.ctx.store;
  }

  apps(): AppConfig[] {
    return this.ctx.deps.config.apps;
  }

  handleWebhook(delivery: WebhookDelivery): Promise<WebhookOutcome> {
    return handleWebhook(this.ctx, delivery);
  }

  requestSync(app: string, body: ManualSyncBody, actor: string): Promise<SyncRecord> {
    return requestManualSync(this.ctx, app, body, actor);
  }

  unpin(app: string, actor: string): Promise<{ status: AppStatusRecord; sync?: SyncRecord }> {
    return unpinApp(this.ctx, app, actor);
  }

  waitForSync(id: string): Promise<SyncRecord> {
    return this.ctx.waitFor(id);
  }

  async getSync(id: string): Promise<SyncRecord> {
    const record = await this.store.getSync(id);
    if (!record) throw new DriftlessError('NOT_FOUND', `no sync with id ${id}`, { field: 'id' });
    return record;
  }

  async listApps(): Promise<AppView[]> {
    const statuses = new Map((await this.store.listAppStatus()).map((s) => [s.app, s]));
    return this.apps().map((app) => view(app, statuses.get(app.name)));
  }

  async getApp(name: string): Promise<AppView & { recentSyncs: SyncRecord[] }> {
    const app = this.ctx.requireApp(name);
    const recent = await this.store.listSyncs({ app: name, limit: 10 });
    return { ...view(app, await this.store.getAppStatus(name)), recentSyncs: recent.map(({ result: _result, ...rest }) => rest) };
  }

  /** Plan against the app's pin, else its branch head, else `revision`. */
  async diff(name: string, revision?: string): Promise<Plan> {
    const app = this.ctx.requireApp(name);
    const pin = (await this.store.getAppStatus(name))?.pin?.revision;
    return this.ctx.engine.diff(app, revision ?? pin);
  }

  /** The queue's `run`: executes one request. */
  runRequest(request: SyncRequest): Promise<void> {
    return runSyncRequest(this.ctx, request);
  }

  /** The queue's `onFailed`. */
  recordFailure(request: SyncRequest, error: unknown): Promise<void> {
    return recordFailure(this.ctx, request, error);
  }

  /** The queue's `onCoalesced`. */
  recordCoalesced(dropped: SyncRequest, into: SyncRequest): Promise<void> {
    return recordCoalesced(this.ctx, dropped, into);
  }

  /**
   * Re-enqueues syncs a previous process recorded as queued or running but never finished (the
   * in-process queue died with it), so an acknowledged delivery is not lost across a restart.
   */
  async resumeInterrupted(limit = 1000): Promise<string[]> {
    const open = (await this.store.listSyncs({ limit })).filter((r) => r.state === 'queued' || r.state === 'running').reverse();
    for (const record of open) {
      if (!this.ctx.app(record.app)) continue;
      await this.ctx.deps.queue.enqueue({
        id: record.id, app: record.app, trigger: record.trigger, enqueuedAt: record.queuedAt,
        ...(record.requested !== undefined ? { revision: record.requested } : {}),
        ...(record.dryRun ? { dryRun: true } : {}),
        ...(record.pin ? { pin: true } : {}),
      });
    }
    return open.map((r) => r.id);
  }

  /** The state store's health, for GET /healthz. */
  health(): Promise<StoreHealth> {
    return this.store.health();
  }

  pollOnce(): Promise<string[]> {
    return pollOnce(this.ctx);
  }

  startPolling(intervalMs: number): Poller {
    return startPoller(this.ctx, intervalMs);
  }
}

function view(app: AppConfig, status: AppStatusRecord | undefined): AppView {
  const out: AppView = {
    name: app.name, repository: app.repository, path: app.path, cluster: app.cluster, namespace: app.namespace,
    status: status?.status ?? 'Never', sourceMissing: status?.sourceMissing ?? false,
  };
  if (app.branch !== undefined) out.branch = app.branch;
  if (status?.revision) out.revision = status.revision;
  if (status?.lastSyncAt) out.lastSyncAt = status.lastSyncAt;
  if (status?.lastSyncId) out.lastSyncId = status.lastSyncId;
  if (status?.pin) out.pinned = status.pin;
  if (status?.message) out.message = status.message;
  return out;
}
