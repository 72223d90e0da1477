import { isDriftlessError } from '../core/errors.ts';
import type { ServiceContext } from './context.ts';

/**
 * The fallback for missed webhooks: resolve each unpinned branch app's head and enqueue a
 * head sync when it moved. Returns the apps it queued.
 */
export async function pollOnce(ctx: ServiceContext): Promise<string[]> {
  const queued: string[] = [];
  for (const app of ctx.deps.config.apps) {
    if (app.branch === undefined) continue;
    const status = await ctx.store.getAppStatus(app.name);
    if (status?.pin) continue;
    try {
      const head = await ctx.engine.resolve(app, app.branch);
      if (status?.sourceMissing) await ctx.store.updateAppStatus(app.name, { sourceMissing: false, message: undefined });
      if (status?.revision?.sha === head.sha && status.status !== 'Never') continue;
      await ctx.enqueue(ctx.newRequest(app.name, { trigger: { kind: 'poll' }, atLeast: head.sha }));
      queued.push(app.name);
    } catch (err) {
      if (isDriftlessError(err, 'REVISION_NOT_FOUND')) {
        await ctx.store.updateAppStatus(app.name, { sourceMissing: true, message: `branch ${app.branch} not found` });
      } else {
        ctx.log.warn('poll failed', { app: app.name, code: isDriftlessError(err) ? err.code : 'INTERNAL', message: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return queued;
}

export interface Poller {
  stop(): void;
}

/** Polls every `intervalMs` ± 20 % jitter, so many servers never poll in step. */
export function startPoller(ctx: ServiceContext, intervalMs: number, random: () => number = Math.random): Poller {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const delay = Math.max(1, Math.round(intervalMs * (0.8 + 0.4 * random())));
    timer = setTimeout(() => {
      void pollOnce(ctx).catch((err: unknown) => ctx.log.error('poll crashed', { message: err instanceof Error ? err.message : String(err) })).finally(schedule);
    }, delay);
    timer.unref?.();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
