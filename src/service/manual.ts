import type { AppConfig } from '../config/types.ts';
import { DriftlessError, isDriftlessError } from '../core/errors.ts';
import type { AppStatusRecord, SyncRecord } from '../ports/state.ts';
import type { ServiceContext } from './context.ts';

export interface ManualSyncBody {
  revision?: string;
  dryRun?: boolean;
  prune?: boolean;
}

const refPattern = /^(?!.*\.\.)(?!\/)(?!.*\/$)[A-Za-z0-9._/-]{1,250}$/;

/** A SHA, branch or tag name as git allows them (no "..", no leading or trailing slash). */
export function isRevisionLike(value: string): boolean {
  return refPattern.test(value);
}

/** Validates `{revision?, dryRun?, prune?}`; BAD_REQUEST names the field at fault. */
export function parseManualSyncBody(body: unknown): ManualSyncBody {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new DriftlessError('BAD_REQUEST', 'body must be a JSON object', { field: '(body)' });
  const input = body as Record<string, unknown>;
  const out: ManualSyncBody = {};
  for (const key of Object.keys(input)) {
    if (!['revision', 'dryRun', 'prune'].includes(key)) throw new DriftlessError('BAD_REQUEST', `unknown field "${key}" (allowed: revision, dryRun, prune)`, { field: key });
  }
  if (input.revision !== undefined) {
    if (typeof input.revision !== 'string' || !refPattern.test(input.revision)) {
      throw new DriftlessError('BAD_REQUEST', 'field "revision" must be a commit SHA, branch or tag name', { field: 'revision' });
    }
    out.revision = input.revision;
  }
  for (const key of ['dryRun', 'prune'] as const) {
    if (input[key] === undefined) continue;
    if (typeof input[key] !== 'boolean') throw new DriftlessError('BAD_REQUEST', `field "${key}" must be true or false`, { field: key });
    out[key] = input[key];
  }
  return out;
}

/**
 * Queues a manual sync. An explicit revision other than the followed branch is a rollback (or
 * roll-forward): once that sync has applied it, the app is pinned there so the next push does
 * not silently undo it. The revision is resolved first, through the app's Source: one that does
 * not exist is REVISION_NOT_FOUND (404) and changes nothing (no pin, no queued job, no record).
 */
export async function requestManualSync(ctx: ServiceContext, appName: string, body: ManualSyncBody, actor: string): Promise<SyncRecord> {
  const app = ctx.requireApp(appName);
  const status = await ctx.store.getAppStatus(app.name);
  let revision = body.revision;
  if (revision !== undefined) await checkRevision(ctx, app, revision);
  const pins = revision !== undefined && revision !== app.branch && !body.dryRun;
  // Without a revision, a pinned app syncs its pin: unpinning is an explicit act.
  if (revision === undefined && status?.pin) revision = status.pin.revision;
  const request = ctx.newRequest(app.name, {
    trigger: { kind: 'manual', actor },
    ...(revision !== undefined ? { revision } : {}),
    ...(body.dryRun !== undefined ? { dryRun: body.dryRun } : {}),
    ...(body.prune !== undefined ? { prune: body.prune } : {}),
    ...(pins ? { pin: true } : {}),
  });
  return ctx.enqueue(request);
}

async function checkRevision(ctx: ServiceContext, app: AppConfig, revision: string): Promise<void> {
  try {
    await ctx.engine.resolve(app, revision);
  } catch (err) {
    if (!isDriftlessError(err, 'REVISION_NOT_FOUND')) throw err;
    throw new DriftlessError('REVISION_NOT_FOUND', `revision "${revision}" is not a commit, branch or tag of repository ${app.repository}; nothing was queued and app ${app.name} is not pinned`, { field: 'revision' }, { cause: err });
  }
}

/** Removes the pin and brings the app back to its branch head. */
export async function unpinApp(ctx: ServiceContext, appName: string, actor: string): Promise<{ status: AppStatusRecord; sync?: SyncRecord }> {
  const app = ctx.requireApp(appName);
  await ctx.store.setPin(app.name, undefined);
  ctx.log.info('app unpinned', { app: app.name, actor });
  const sync = app.branch !== undefined ? await ctx.enqueue(ctx.newRequest(app.name, { trigger: { kind: 'manual', actor } })) : undefined;
  const status = (await ctx.store.getAppStatus(app.name)) ?? { app: app.name, status: 'Never', sourceMissing: false };
  return sync ? { status, sync } : { status };
}
