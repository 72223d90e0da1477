import type { AppConfig } from '../config/types.ts';
import { DriftlessError } from '../core/errors.ts';
import type { DriftStatus, Plan } from '../core/types.ts';
import type { DriftRun, DriftRunner } from '../drift/runner.ts';
import type { DriftCheckRequest, SyncRequest } from '../ports/queue.ts';
import type { AppStatusRecord, DriftRecord, HealSuspension, NotificationRecord, StateStore, StoreHealth, SyncRecord } from '../ports/state.ts';
import { ServiceContext, type ServiceDeps } from './context.ts';
import { createServiceDriftRunner, startDriftTimer, type DriftServiceDeps, type DriftTimer } from './drift.ts';
import { driftLeaseName, queueDriftChecks, recordDriftCheckFailure, runQueuedDriftCheck, type DriftFanOut } from './drift-fanout.ts';
import { requestDiff, type DiffJob } from './diff-jobs.ts';
import { requestManualSync, unpinApp, type ManualSyncBody } from './manual.ts';
import { pollOnce, startPoller, type Poller, type PollOptions } from './poller.ts';
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
  /** The last drift check; HealSuspended while self-heal is suspended and the app is not back in sync. */
  drift?: { status: DriftStatus | 'HealSuspended'; checkedAt: string; objects: number };
  /** Self-heal stopped: what keeps fighting Git (field managers and fields). */
  healSuspended?: HealSuspension;
}

/** GET /apps/{app}/drift: the drift summary, the newest report and the history (newest first). */
export interface AppDriftView {
  app: string;
  drift?: AppView['drift'];
  healSuspended?: HealSuspension;
  latest: DriftRecord | null;
  history: DriftRecord[];
}

/**
 * The application service behind the HTTP API, the queue worker and the poller: one object
 * that `serve`, the Lambda handlers and tests share.
 */
export class DriftlessService {
  readonly ctx: ServiceContext;
  private driftRunner: DriftRunner | undefined;
  private driftDeps: DriftServiceDeps | undefined;

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

  /** The store's view of a sync after at most `timeoutMs` of polling; undefined while it is still pending. */
  pollSync(id: string, timeoutMs: number, intervalMs?: number): Promise<SyncRecord | undefined> {
    return this.ctx.pollFor(id, timeoutMs, intervalMs);
  }

  /** A diff answered by a recent stored dry run or by a dry run the worker runs (Lambda). */
  requestDiff(name: string, revision: string | undefined, actor: string, maxAgeMs: number): Promise<DiffJob> {
    return requestDiff(this.ctx, name, revision, actor, maxAgeMs);
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

  /** Sets the drift check up (serve and the scheduled function); without it drift runs are refused. */
  configureDrift(deps: DriftServiceDeps): DriftRunner {
    this.driftDeps = deps;
    this.driftRunner = createServiceDriftRunner(this.ctx, deps);
    return this.driftRunner;
  }

  /** The schedule's fan-out (Lambda): one queued drift check per app, none for an app whose last one is pending. */
  queueDriftChecks(run: string, pendingMs: number, concurrency?: number): Promise<DriftFanOut> {
    return queueDriftChecks(this.ctx, run, pendingMs, concurrency);
  }

  /** A queued drift check, run by a worker: check, then store, heal, notify as a drift run does. */
  runDriftCheck(request: DriftCheckRequest): Promise<DriftRecord | undefined> {
    return runQueuedDriftCheck(this.ctx, this.requireDrift(), request);
  }

  /** A queued drift check that could not finish: its app gets an Unknown report saying why. */
  recordDriftCheckFailure(request: DriftCheckRequest, err: unknown): Promise<DriftRecord | undefined> {
    return recordDriftCheckFailure(this.ctx, this.requireDrift(), request, err);
  }

  /** The check is no longer pending: the next schedule may queue the app's next one. */
  releaseDriftCheck(request: DriftCheckRequest): Promise<void> {
    return this.store.releaseLease(driftLeaseName(request.app), request.id);
  }

  private requireDrift(): DriftServiceDeps {
    if (!this.driftDeps) throw new DriftlessError('BAD_REQUEST', 'drift checks are not configured in this process');
    return this.driftDeps;
  }

  /** One drift run over every app (joins the run in flight, if any). */
  checkDrift(): Promise<DriftRun> {
    if (!this.driftRunner) throw new DriftlessError('BAD_REQUEST', 'drift checks are not configured in this process');
    return this.driftRunner.run();
  }

  startDriftChecks(intervalMs: number, random?: () => number): DriftTimer {
    return startDriftTimer(this.ctx, () => this.checkDrift(), intervalMs, random);
  }

  /** GET /drift: the newest report of every configured app that has one. */
  async listDrift(): Promise<DriftRecord[]> {
    const configured = new Set(this.apps().map((a) => a.name));
    return (await this.store.latestDriftReports()).filter((r) => configured.has(r.app));
  }

  async getAppDrift(name: string, limit = 20): Promise<AppDriftView> {
    const app = this.ctx.requireApp(name);
    const [status, history] = await Promise.all([this.store.getAppStatus(app.name), this.store.listDriftReports(app.name, limit)]);
    const out: AppDriftView = { app: app.name, latest: history[0] ?? null, history };
    const drift = driftView(status);
    if (drift) out.drift = drift;
    if (status?.heal?.suspended) out.healSuspended = status.heal.suspended;
    return out;
  }

  /** GET /notifications: deliveries to the notification sinks, newest first (empty when the store keeps none). */
  async listNotifications(filter: { app?: string; limit?: number } = {}): Promise<NotificationRecord[]> {
    return (await this.store.listNotifications?.(filter)) ?? [];
  }

  pollOnce(options?: PollOptions): Promise<string[]> {
    return pollOnce(this.ctx, options);
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
  const drift = driftView(status);
  if (drift) out.drift = drift;
  if (status?.heal?.suspended) out.healSuspended = status.heal.suspended;
  return out;
}

function driftView(status: AppStatusRecord | undefined): AppView['drift'] {
  const drift = status?.drift;
  if (!drift) return undefined;
  const suspended = status.heal?.suspended !== undefined && drift.status !== 'Synced';
  return { status: suspended ? 'HealSuspended' : drift.status, checkedAt: drift.checkedAt, objects: drift.objects };
}
