import { isDriftlessError } from '../core/errors.ts';
import { classify } from '../core/retry.ts';
import type { Revision, SyncResult } from '../core/types.ts';
import { withContext, type Logger } from '../ports/logger.ts';
import type { SyncRequest } from '../ports/queue.ts';
import type { Pin, SyncRecord } from '../ports/state.ts';
import { touches } from '../routing/route.ts';
import type { ServiceContext } from './context.ts';
import { announce, lastOutcome, syncEvent } from './notify.ts';

/** Counts what a sync changed, for the audit log. */
export function countChanges(result: SyncResult): number {
  return result.objects.filter((o) => o.outcome === 'applied' && o.action !== 'unchanged').length + result.pruned.length;
}

function errorOf(err: unknown): { code: string; message: string } {
  if (isDriftlessError(err)) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: 'unexpected error; see the server log' };
}

/** The context every log line of a sync carries. */
export function syncLogger(ctx: ServiceContext, request: SyncRequest): Logger {
  const delivery = request.trigger.kind === 'push' ? request.trigger.delivery : undefined;
  return withContext(ctx.log, { app: request.app, sync: request.id, delivery, trace: request.trace ?? delivery ?? request.id });
}

/**
 * Runs one queued request: resolve the target now (a message means "bring the app to its
 * head"), skip what is already done, sync, record. Transient errors are rethrown for the
 * queue to retry; permanent ones are recorded and acknowledged.
 */
export async function runSyncRequest(ctx: ServiceContext, request: SyncRequest): Promise<void> {
  const base: SyncRecord = (await ctx.store.getSync(request.id)) ?? {
    id: request.id, app: request.app, trigger: request.trigger, dryRun: Boolean(request.dryRun), state: 'queued', queuedAt: request.enqueuedAt,
  };
  const record: SyncRecord = { ...base, trigger: request.trigger, state: 'running', startedAt: ctx.now() };
  const started = performance.now();
  let log = syncLogger(ctx, request);
  const skip = (reason: string, revision?: Revision) =>
    ctx.finish({ ...record, state: 'skipped', finishedAt: ctx.now(), ...(revision ? { revision } : {}), reason });

  const app = ctx.app(request.app);
  if (!app) return skip(`app ${request.app} is no longer configured`);
  await ctx.store.putSync(record);
  const dryRun = Boolean(request.dryRun);
  try {
    const status = await ctx.store.getAppStatus(app.name);
    if (!dryRun && status?.heal && resumesHealing(request)) {
      // A person acted (a push, or a sync by hand): self-heal starts over, its back-off forgotten.
      await ctx.store.updateAppStatus(app.name, { heal: undefined });
      if (status.heal.suspended) log.info('self-heal resumed', { trigger: request.trigger.kind });
    }
    const stale = staleHeal(request, status?.revision);
    if (stale) return skip(stale);
    const head = request.revision === undefined;
    if (head && status?.pin && request.trigger.kind !== 'manual') return skip(pinnedReason(status.pin));
    if (head && status?.sourceMissing && request.trigger.kind !== 'manual') return skip('the branch was deleted');
    const ref = request.revision ?? app.branch ?? app.revision;
    if (ref === undefined) return skip('app has neither branch nor revision');
    const revision = await ctx.engine.resolve(app, ref);
    log = withContext(log, { revision: revision.sha });
    // Automatic triggers skip work already done; a person asking for a sync gets one (it re-applies drift).
    if (head && !dryRun && request.trigger.kind !== 'manual' && status?.status === 'Synced' && status.revision?.sha === revision.sha) {
      return skip(`already synced to ${revision.sha}`, revision);
    }

    if (request.onlyIfChanged && ctx.engine.changedPaths) {
      const changed = await ctx.engine.changedPaths(app, request.onlyIfChanged.from, request.onlyIfChanged.to);
      const deps = [app.path, ...((await ctx.store.getRenderDependencies(app.name)) ?? [])];
      if (changed !== undefined && !changed.some((file) => deps.some((dep) => touches(file, dep)))) {
        return skip(`no file the app depends on changed between ${request.onlyIfChanged.from.slice(0, 12)} and ${request.onlyIfChanged.to.slice(0, 12)}`, revision);
      }
    }

    if (!dryRun) await ctx.store.updateAppStatus(app.name, { status: 'Syncing' });
    await ctx.deps.reporter?.started(app.name, revision, request.id).catch((err: unknown) => log.warn('report failed', errorOf(err)));
    const { result, dependencies } = await ctx.engine.sync(app, {
      revision, dryRun, syncId: request.id, trigger: request.trigger, ...(request.prune !== undefined ? { prune: request.prune } : {}),
    });
    if (dependencies) await ctx.store.setRenderDependencies(app.name, dependencies);
    await ctx.deps.reporter?.finished(result, request.id).catch((err: unknown) => log.warn('report failed', errorOf(err)));
    const ok = result.status === 'Synced' || result.status === 'DryRun';
    const finished: SyncRecord = { ...record, state: ok ? 'succeeded' : 'failed', finishedAt: ctx.now(), revision: result.revision, changes: countChanges(result), result };
    if (!ok && result.errors[0]) finished.error = { code: result.errors[0].code, message: result.errors[0].message };
    // A rollback pins only once it applied: a failed one leaves the app following its branch as before.
    const pin: Pin | undefined = request.pin && request.revision !== undefined && result.status !== 'Failed'
      ? { revision: request.revision, by: request.trigger.kind === 'manual' ? request.trigger.actor : request.trigger.kind, at: ctx.now() }
      : undefined;
    if (!dryRun) {
      await ctx.store.updateAppStatus(app.name, {
        status: result.status, revision: result.revision, lastSyncAt: finished.finishedAt, lastSyncId: request.id,
        sourceMissing: false, message: ok ? undefined : finished.error?.message, ...(pin ? { pin } : {}),
      });
      if (pin) log.info('app pinned', { pinned: pin.revision, actor: pin.by });
      announce(ctx, syncEvent(app.name, await lastOutcome(ctx, app.name, request.id), result.status, {
        at: finished.finishedAt ?? ctx.now(), revision: result.revision, syncId: request.id, ...(finished.error ? { message: finished.error.message } : {}),
      }));
    }
    ctx.metrics.syncFinished(result, (performance.now() - started) / 1000);
    log.info('sync finished', { status: result.status, health: result.health, changes: finished.changes, durationSeconds: Math.round(performance.now() - started) / 1000 });
    await ctx.finish(finished);
  } catch (err) {
    // Transient: the queue retries (the record stays running); onFailed records the last word.
    if (classify(err).transient) throw err;
    await recordFailure(ctx, request, err);
  }
}

/** Pushes (or a poll that found one) and manual syncs resume a suspended self-heal; heals and schedules do not. */
export function resumesHealing(request: SyncRequest): boolean {
  return request.trigger.kind === 'push' || request.trigger.kind === 'poll' || request.trigger.kind === 'manual';
}

/**
 * A heal restores the revision the drift check measured against. When another revision was synced
 * since (a push or rollback that ran during the check, or queued in the moment before the heal),
 * re-applying the old one would move the app backwards, or past its pin: the next check decides again.
 */
export function staleHeal(request: SyncRequest, synced: Revision | undefined): string | undefined {
  if (request.trigger.kind !== 'heal') return undefined;
  // Without one it would sync the branch head: a newer revision is the push path's job, never a heal's.
  if (request.revision === undefined) return 'a self-heal names the revision it restores, and this one names none; the next drift check decides again';
  if (synced === undefined || synced.sha === request.revision) return undefined;
  return `self-heal of ${request.revision.slice(0, 12)} not run: the app was synced to ${synced.sha.slice(0, 12)} since the drift check that queued it; the next drift check measures against that`;
}

/** Why an automatic sync of a pinned app did nothing: what holds it, who set it, how to undo it. */
export function pinnedReason(pin: Pin): string {
  return `pinned to ${pin.revision} by ${pin.by} at ${pin.at}; POST /apps/{app}/unpin to follow the branch again`;
}

/** Records a sync that could not run: permanent error, or retries exhausted. */
export async function recordFailure(ctx: ServiceContext, request: SyncRequest, err: unknown): Promise<void> {
  const error = errorOf(err);
  const log = syncLogger(ctx, request);
  log.error('sync failed', error);
  if (!isDriftlessError(err)) log.error('unexpected error', { error: err instanceof Error ? err.message : String(err) });
  const current = await ctx.store.getSync(request.id);
  const finishedAt = ctx.now();
  // From the last attempt's start (each attempt restarts the record's clock) to the last word.
  const startedAt = Date.parse(current?.startedAt ?? finishedAt);
  ctx.metrics.syncFailed(request.app, Math.max(0, (Date.parse(finishedAt) - startedAt) / 1000));
  await ctx.finish({
    ...(current ?? { id: request.id, app: request.app, trigger: request.trigger, dryRun: Boolean(request.dryRun), queuedAt: request.enqueuedAt }),
    state: 'failed', finishedAt, error,
  });
  if (!request.dryRun && ctx.app(request.app)) {
    const missing = isDriftlessError(err, 'REVISION_NOT_FOUND') && request.revision === undefined;
    await ctx.store.updateAppStatus(request.app, { status: 'Failed', message: error.message, ...(missing ? { sourceMissing: true } : {}) });
    announce(ctx, syncEvent(request.app, await lastOutcome(ctx, request.app, request.id), 'Failed', { at: ctx.now(), syncId: request.id, message: error.message }));
  }
}

/** The queue folded `dropped` into `into`: the audit log says so and waiters follow. */
export async function recordCoalesced(ctx: ServiceContext, dropped: SyncRequest, into: SyncRequest): Promise<void> {
  // Built from the request rather than read back: this runs once per coalesced push, on the ack path.
  await ctx.finish({
    id: dropped.id, app: dropped.app, trigger: dropped.trigger, dryRun: Boolean(dropped.dryRun), queuedAt: dropped.enqueuedAt,
    ...(dropped.revision !== undefined ? { requested: dropped.revision } : {}),
    state: 'skipped', finishedAt: ctx.now(), coalescedInto: into.id,
  });
}
