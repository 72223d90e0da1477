import type { SyncRecord } from '../ports/state.ts';
import type { ServiceContext } from './context.ts';
import { requestManualSync } from './manual.ts';

/** A diff answered from a stored dry run (`stored`), or the dry run that will answer it (`pending`). */
export interface DiffJob {
  state: 'stored' | 'pending';
  record: SyncRecord;
}

/**
 * A diff where the process answering cannot render or reach the cluster (the Lambda http function):
 * a diff is a dry-run sync the worker runs. A dry run of the same target that finished within
 * `maxAgeMs`, after the app's last sync, still answers; one already queued or running is shared;
 * otherwise one is queued (same checks as a manual sync: an unknown revision is REVISION_NOT_FOUND).
 */
export async function requestDiff(ctx: ServiceContext, appName: string, revision: string | undefined, actor: string, maxAgeMs: number): Promise<DiffJob> {
  const app = ctx.requireApp(appName);
  const status = await ctx.store.getAppStatus(app.name);
  const target = revision ?? status?.pin?.revision;
  const dryRuns = (await ctx.store.listSyncs({ app: app.name, limit: 20 })).filter((r) => r.dryRun && r.requested === target && !r.coalescedInto);
  const pending = dryRuns.find((r) => r.state === 'queued' || r.state === 'running');
  if (pending) return { state: 'pending', record: pending };
  const oldest = Date.parse(ctx.now()) - maxAgeMs;
  const stored = dryRuns.find((r) => r.state === 'succeeded' && r.finishedAt !== undefined && Date.parse(r.finishedAt) >= oldest
    && (status?.lastSyncAt === undefined || r.finishedAt > status.lastSyncAt));
  if (stored) return { state: 'stored', record: stored };
  return { state: 'pending', record: await requestManualSync(ctx, app.name, { ...(revision !== undefined ? { revision } : {}), dryRun: true }, actor) };
}
