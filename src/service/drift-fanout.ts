import type { AppConfig } from '../config/types.ts';
import { DriftlessError, isDriftlessError } from '../core/errors.ts';
import { mapLimit } from '../core/limit.ts';
import { createDriftRunCache } from '../drift/run-cache.ts';
import { unknownReport } from '../drift/runner.ts';
import type { DriftCheckRequest } from '../ports/queue.ts';
import type { DriftRecord } from '../ports/state.ts';
import type { ServiceContext } from './context.ts';
import { handleDriftReport, type DriftServiceDeps } from './drift.ts';

/**
 * Drift checks through the queue (Lambda): the schedule queues one check per app and a worker runs
 * each, so the scheduled function's run stays short however many apps there are. An app's check is
 * "pending" while the lease `drift:<app>` is held: taken when its check is queued, given up when a
 * worker finished it, and expiring on its own if the message was lost, so a later schedule queues again.
 */

export function driftLeaseName(app: string): string {
  return `drift:${app}`;
}

export interface DriftFanOut {
  /** Apps whose drift check was queued by this run. */
  queued: string[];
  /** Apps skipped because their previous check is still pending. */
  pending: string[];
  /** Apps whose check could not be queued (the next run tries again). */
  failed: string[];
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Queues a drift check per configured app, none for an app whose previous one is pending.
 * `run` names the scheduled run (the queue drops a second check of an app for the same run);
 * `pendingMs` is how long a queued check counts as pending (past it, it is taken as lost).
 */
export async function queueDriftChecks(ctx: ServiceContext, run: string, pendingMs: number, concurrency = 8): Promise<DriftFanOut> {
  const send = ctx.deps.queue.enqueueDriftCheck?.bind(ctx.deps.queue);
  if (!send) throw new DriftlessError('INTERNAL', 'this queue cannot carry drift checks (only the SQS queue does); check drift in process instead');
  const out: DriftFanOut = { queued: [], pending: [], failed: [] };
  await mapLimit(ctx.deps.config.apps, concurrency, async (app) => {
    const request: DriftCheckRequest = { kind: 'drift-check', id: ctx.newId(), app: app.name, run, enqueuedAt: ctx.now() };
    const lease = driftLeaseName(app.name);
    try {
      const now = Date.parse(request.enqueuedAt);
      if (!await ctx.store.acquireLease(lease, request.id, { now: request.enqueuedAt, expiresAt: new Date(now + pendingMs).toISOString() })) {
        out.pending.push(app.name);
        return;
      }
    } catch (err) {
      ctx.log.warn('drift check not queued: the store is unavailable', { app: app.name, message: message(err) });
      out.failed.push(app.name);
      return;
    }
    try {
      await send(request);
      out.queued.push(app.name);
    } catch (err) {
      // Not queued, so not pending: the next run may queue it.
      await ctx.store.releaseLease(lease, request.id).catch(() => {});
      ctx.log.warn('drift check not queued', { app: app.name, code: isDriftlessError(err) ? err.code : 'INTERNAL', message: message(err) });
      out.failed.push(app.name);
    }
  });
  return out;
}

/**
 * A worker's drift check of one app: the check (a check that throws is an Unknown report naming
 * why), then the report's handling as in a serve run (stored, self-heal queued, issue and
 * notifications). Only the handling's failures (the store, the queue) are thrown, for a retry.
 * Undefined for an app that is no longer configured.
 */
export async function runQueuedDriftCheck(ctx: ServiceContext, deps: DriftServiceDeps, request: DriftCheckRequest): Promise<DriftRecord | undefined> {
  const app = ctx.app(request.app);
  if (!app) return undefined;
  let report;
  try {
    report = await deps.check(app, { cache: createDriftRunCache() });
  } catch (err) {
    ctx.log.warn('drift check of an app failed', { app: app.name, code: isDriftlessError(err) ? err.code : 'INTERNAL', message: message(err) });
    report = unknownReport(app.name, err, ctx.now());
  }
  return handleDriftReport(ctx, app, report, deps.notifier);
}

/** Records an Unknown report for a check that could not finish (e.g. the worker's time ran out). */
export async function recordDriftCheckFailure(ctx: ServiceContext, deps: DriftServiceDeps, request: DriftCheckRequest, err: unknown): Promise<DriftRecord | undefined> {
  const app: AppConfig | undefined = ctx.app(request.app);
  if (!app) return undefined;
  return handleDriftReport(ctx, app, unknownReport(app.name, err, ctx.now()), deps.notifier);
}
