import { repeatWithJitter, type Repeating } from '../core/repeat.ts';
import type { AppConfig } from '../config/types.ts';
import { isDriftlessError } from '../core/errors.ts';
import type { DriftReport } from '../core/types.ts';
import { driftFingerprint, notificationDue } from '../drift/change.ts';
import { decideHeal, type HealDecision } from '../drift/heal.ts';
import { createDriftRunner, type DriftCheck, type DriftRunner } from '../drift/runner.ts';
import type { DriftNotifier } from '../ports/drift-notifier.ts';
import type { DriftRecord, HealOutcome, HealState } from '../ports/state.ts';
import type { ServiceContext } from './context.ts';
import { announce, driftEvent, previousDrift } from './notify.ts';

/**
 * What happens to a drift report: self-heal decides (and queues a sync through the normal queue),
 * the report is stored with what self-heal did, the app's status gets its drift summary, and
 * people are notified when the drift changed. Used by the serve timer and the scheduled function.
 */

export interface DriftServiceDeps {
  /** The drift check of one app (src/drift/check.ts `checkAppDrift` bound to its deps). */
  check: DriftCheck;
  /** GitHub issues for apps whose drift changed; absent: nobody is notified. */
  notifier?: DriftNotifier;
  /** Apps checked at the same time (default 4). */
  concurrency?: number;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * A queued or running record older than this is taken for one whose runner died before recording
 * its end (a killed container or process): it must not hold healing back for good. Every sync ends
 * well within it (Lambda runs 15 minutes at most; health waits default to 5).
 */
export const staleSyncAfterMs = 2 * 3600_000;

async function syncInFlight(ctx: ServiceContext, app: string): Promise<boolean> {
  const recent = await ctx.store.listSyncs({ app, limit: 20 });
  const now = Date.parse(ctx.now());
  // A dry run (a diff job) changes nothing in the cluster, so it restores nothing either.
  return recent.some((r) => !r.dryRun && (r.state === 'queued' || r.state === 'running') && !(now - Date.parse(r.startedAt ?? r.queuedAt) > staleSyncAfterMs));
}

async function applyHeal(ctx: ServiceContext, app: AppConfig, report: DriftReport, decision: HealDecision, before: HealState | undefined): Promise<{ outcome?: HealOutcome; state: HealState | undefined }> {
  switch (decision.action) {
    case 'none':
      return { state: before };
    case 'skip':
      return { outcome: { action: 'skipped', reason: decision.reason }, state: before };
    case 'suspend':
      if (!before?.suspended) ctx.log.warn('self-heal suspended', { app: app.name, managers: decision.suspension.managers, fields: decision.suspension.fields.slice(0, 20), message: decision.suspension.message });
      return { outcome: { action: 'suspended', suspension: decision.suspension }, state: decision.state };
    case 'heal': {
      const request = ctx.newRequest(app.name, { trigger: { kind: 'heal', checkedAt: report.checkedAt }, revision: decision.revision.sha });
      try {
        await ctx.enqueue(request);
      } catch (err) {
        ctx.log.warn('self-heal could not be queued', { app: app.name, code: isDriftlessError(err) ? err.code : 'INTERNAL' });
        return { outcome: { action: 'skipped', reason: 'the sync queue is unavailable; the next drift check tries again' }, state: before };
      }
      ctx.log.info('self-heal queued', { app: app.name, sync: request.id, sha: decision.revision.sha, objects: report.objects.length });
      return { outcome: { action: 'queued', syncId: request.id, revision: decision.revision.sha }, state: decision.state };
    }
  }
}

/** Heal, store, summarize, notify: one report of one app. Returns the record as stored. */
export async function handleDriftReport(ctx: ServiceContext, app: AppConfig, report: DriftReport, notifier?: DriftNotifier): Promise<DriftRecord> {
  const status = await ctx.store.getAppStatus(app.name);
  const before = status?.heal;
  const decision = decideHeal({
    selfHeal: app.selfHeal, prunes: app.prune, report, state: before, now: new Date(ctx.now()),
    syncInFlight: app.selfHeal && report.status === 'OutOfSync' && !before?.suspended ? await syncInFlight(ctx, app.name) : false,
  });
  const { outcome, state } = await applyHeal(ctx, app, report, decision, before);
  const record: DriftRecord = outcome ? { ...report, heal: outcome } : { ...report };
  await ctx.store.putDriftReport(record);
  ctx.metrics.driftReported(report);
  // The summary lands with the report (GET /apps agrees with GET /drift), before any slow delivery.
  const delivered = status?.drift?.notified;
  const summary = { status: report.status, checkedAt: report.checkedAt, objects: report.objects.length };
  await ctx.store.updateAppStatus(app.name, { drift: { ...summary, ...(delivered !== undefined ? { notified: delivered } : {}) }, ...(state !== before ? { heal: state } : {}) });

  if (report.status !== 'Unknown') announce(ctx, driftEvent(record, await previousDrift(ctx, record)));
  if (decision.action === 'suspend' && !before?.suspended) {
    const s = decision.suspension;
    announce(ctx, { event: 'heal-suspended', app: app.name, at: s.at, summary: `self-heal of ${app.name} stopped: something keeps changing the cluster back`, message: s.message, managers: s.managers, objects: report.objects.length });
  }

  const fingerprint = driftFingerprint(record, state?.suspended);
  if (notifier && fingerprint !== undefined && notificationDue(delivered, fingerprint)) {
    try {
      if (await notifier.notify(record, state?.suspended)) await ctx.store.updateAppStatus(app.name, { drift: { ...summary, notified: fingerprint } });
    } catch (err) {
      // Left undelivered: the fingerprint still differs on the next run, which tries again.
      ctx.log.warn('drift notification failed; the next drift check tries again', { app: app.name, message: message(err) });
    }
  }
  return record;
}

/** A runner over the configured apps whose reports go through `handleDriftReport`. */
export function createServiceDriftRunner(ctx: ServiceContext, deps: DriftServiceDeps): DriftRunner {
  return createDriftRunner({
    apps: () => ctx.deps.config.apps,
    check: deps.check,
    ...(deps.concurrency !== undefined ? { concurrency: deps.concurrency } : {}),
    now: () => new Date(ctx.now()),
    onReport: async (report, app) => void (await handleDriftReport(ctx, app, report, deps.notifier)),
    onError: (app, err) => ctx.log.warn('drift check of an app failed', { app, code: isDriftlessError(err) ? err.code : 'INTERNAL', message: message(err) }),
  });
}

export type DriftTimer = Repeating;

/** Runs `run` every `intervalMs` ± 20 % jitter, never two at once (see repeatWithJitter). */
export function startDriftTimer(ctx: ServiceContext, run: () => Promise<unknown>, intervalMs: number, random: () => number = Math.random): DriftTimer {
  return repeatWithJitter(run, intervalMs, (err) => ctx.log.error('drift run crashed', { message: message(err) }), random);
}
