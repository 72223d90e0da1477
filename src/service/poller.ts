import { repeatWithJitter, type Repeating } from '../core/repeat.ts';
import { isDriftlessError } from '../core/errors.ts';
import type { ServiceContext } from './context.ts';

export interface PollOptions {
  /**
   * Skip an app with a sync queued or running that was queued less than this long ago. A queue that
   * cannot coalesce (SQS FIFO) would otherwise take one more message per poll for an app whose
   * sync is slow or retrying; past this age a record is taken for one its worker never finished.
   */
  skipPendingWithinMs?: number;
}

/**
 * The fallback for missed webhooks: resolve each unpinned branch app's head and enqueue a
 * head sync when it moved. Returns the apps it queued.
 */
export async function pollOnce(ctx: ServiceContext, options: PollOptions = {}): Promise<string[]> {
  const queued: string[] = [];
  for (const app of ctx.deps.config.apps) {
    if (app.branch === undefined) continue;
    // Everything per app stays inside the try: one app's failed read never stops the others' polls.
    try {
      const status = await ctx.store.getAppStatus(app.name);
      if (status?.pin) continue;
      if (options.skipPendingWithinMs !== undefined && await hasPendingSync(ctx, app.name, options.skipPendingWithinMs)) continue;
      const head = await ctx.engine.resolve(app, app.branch);
      if (status?.sourceMissing) await ctx.store.updateAppStatus(app.name, { sourceMissing: false, message: undefined });
      if (status?.revision?.sha === head.sha && status.status !== 'Never') continue;
      await ctx.enqueue(ctx.newRequest(app.name, { trigger: { kind: 'poll' }, atLeast: head.sha }));
      queued.push(app.name);
    } catch (err) {
      if (isDriftlessError(err, 'REVISION_NOT_FOUND')) {
        await ctx.store.updateAppStatus(app.name, { sourceMissing: true, message: `branch ${app.branch} not found` })
          .catch((e: unknown) => ctx.log.warn('poll failed', { app: app.name, message: e instanceof Error ? e.message : String(e) }));
      } else {
        ctx.log.warn('poll failed', { app: app.name, code: isDriftlessError(err) ? err.code : 'INTERNAL', message: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return queued;
}

async function hasPendingSync(ctx: ServiceContext, app: string, withinMs: number): Promise<boolean> {
  const since = Date.parse(ctx.now()) - withinMs;
  const recent = await ctx.store.listSyncs({ app, limit: 10 });
  return recent.some((r) => (r.state === 'queued' || r.state === 'running') && !r.dryRun && Date.parse(r.queuedAt) >= since);
}

export type Poller = Repeating;

/** Polls every `intervalMs` ± 20 % jitter, so many servers never poll in step. */
export function startPoller(ctx: ServiceContext, intervalMs: number, random: () => number = Math.random): Poller {
  return repeatWithJitter(() => pollOnce(ctx), intervalMs, (err) => ctx.log.error('poll crashed', { message: err instanceof Error ? err.message : String(err) }), random);
}
