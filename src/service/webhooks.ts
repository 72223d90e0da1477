import { withContext, type Logger } from '../ports/logger.ts';
import type { AppStatusRecord, DeliveryRecord, SyncRecord } from '../ports/state.ts';
import { parsePushEvent, type PushEvent } from '../routing/push-event.ts';
import { routePush, type AppRoutingState } from '../routing/route.ts';
import type { ServiceContext } from './context.ts';
import { pinnedReason } from './worker.ts';

export interface WebhookDelivery {
  id: string;
  event: string;
  /** The parsed JSON body (signature already verified). */
  payload: unknown;
  /** Trace id of the HTTP request (default: the delivery id); carried into the syncs it queues. */
  trace?: string;
}

export interface WebhookOutcome {
  result: 'pong' | 'ignored' | 'queued' | 'duplicate' | 'unmatched';
  apps: string[];
  syncs: string[];
  /** Sync records written as skipped: apps the push touched that a pin holds. */
  skipped?: string[];
  reason?: string;
}

/**
 * Verified delivery → recorded, routed and enqueued. Only fast work happens here (GitHub waits
 * 10 s): anything needing the GitHub API is a resolve job for the worker.
 */
export async function handleWebhook(ctx: ServiceContext, delivery: WebhookDelivery): Promise<WebhookOutcome> {
  // Validate before recording, so a malformed delivery leaves no trace to dedupe against.
  const push: PushEvent | undefined = delivery.event === 'push' ? parsePushEvent(delivery.payload) : undefined;

  const trace = delivery.trace ?? delivery.id;
  const log = withContext(ctx.log, { delivery: delivery.id, trace });
  const now = ctx.now();
  // One conditional write: of two handlers given the same delivery (two Lambdas, or a person's
  // Redeliver racing the original), exactly one routes and enqueues it.
  const claim = await ctx.store.claimDelivery(
    { id: delivery.id, event: delivery.event, state: 'received', apps: [], receivedAt: now, updatedAt: now },
    { now, claimedUntil: new Date(Date.parse(now) + deliveryClaimMs).toISOString() },
  );
  if (!claim.claimed) {
    const busy = claim.record.state === 'received' ? { reason: 'another handler is processing this delivery' } : {};
    return { result: 'duplicate', apps: claim.record.apps, syncs: [], ...busy };
  }
  const record: DeliveryRecord = { ...claim.record };
  delete record.claimedUntil;
  try {
    return await route(ctx, delivery, push, record, { log, trace });
  } catch (error) {
    // Give the claim up so that GitHub's Redeliver enqueues it at once rather than after expiry.
    await ctx.store.putDelivery({ ...record, updatedAt: ctx.now() }).catch(() => undefined);
    throw error;
  }
}

/**
 * How long a claim holds a delivery that has not reached "queued": longer than a handler takes
 * (GitHub waits 10 s, an HTTP API 30 s), short enough that a redelivery after a crash gets through.
 */
export const deliveryClaimMs = 60_000;

async function route(ctx: ServiceContext, delivery: WebhookDelivery, push: PushEvent | undefined, record: DeliveryRecord, scope: { log: Logger; trace: string }): Promise<WebhookOutcome> {
  const { log, trace } = scope;
  const done = async (outcome: WebhookOutcome): Promise<WebhookOutcome> => {
    await ctx.store.putDelivery({ ...record, state: 'done', apps: outcome.apps, updatedAt: ctx.now() });
    return outcome;
  };

  if (delivery.event === 'ping') return done({ result: 'pong', apps: [], syncs: [] });
  if (!push) return done({ result: 'ignored', apps: [], syncs: [], reason: `event ${delivery.event} is not used` });

  // Side by side: on DynamoDB each is a round trip on the webhook's path.
  const [appStatuses, dependencies] = await Promise.all([ctx.store.listAppStatus(), ctx.store.listRenderDependencies()]);
  const statuses = new Map(appStatuses.map((s) => [s.app, s]));
  const routingState = new Map<string, AppRoutingState>();
  for (const app of ctx.deps.config.apps) {
    routingState.set(app.name, { pin: statuses.get(app.name)?.pin?.revision, dependencies: dependencies.get(app.name) });
  }
  const route = routePush(push, ctx.deps.config.apps, ctx.deps.config.repositories, (app) => routingState.get(app) ?? {});

  for (const app of route.sourceMissing) {
    await ctx.store.updateAppStatus(app, { sourceMissing: true, message: `branch ${push.ref} was deleted; nothing is synced or pruned until it exists again` });
  }
  const skipped = await recordPinnedSkips(ctx, delivery.id, push, route.pinned, statuses);
  if (route.sync.length === 0) {
    log.info('push matched no app', { reason: route.reason });
    return done({ result: 'unmatched', apps: [], syncs: [], ...(skipped.length > 0 ? { skipped } : {}), reason: route.reason });
  }

  const syncs: string[] = [];
  for (const hit of route.sync) {
    if (statuses.get(hit.app)?.sourceMissing && !push.deleted) await ctx.store.updateAppStatus(hit.app, { sourceMissing: false, message: undefined });
    const request = ctx.newRequest(hit.app, {
      trigger: { kind: 'push', delivery: delivery.id, ...(push.sender ? { sender: push.sender } : {}) }, trace,
      ...(hit.revision !== undefined ? { revision: hit.revision } : { atLeast: push.after }),
      ...(hit.onlyIfChanged ? { onlyIfChanged: hit.onlyIfChanged } : {}),
    });
    // A failure here leaves the delivery "received": GitHub's Redeliver enqueues it again.
    await ctx.enqueue(request);
    syncs.push(request.id);
  }
  const apps = route.sync.map((s) => s.app);
  await ctx.store.putDelivery({ ...record, state: 'queued', apps, updatedAt: ctx.now() });
  log.info('push queued', { revision: push.after, apps });
  return { result: 'queued', apps, syncs, ...(skipped.length > 0 ? { skipped } : {}) };
}

/** A push a pin held back leaves a skipped sync in the app's history, saying which pin and whose. */
async function recordPinnedSkips(ctx: ServiceContext, delivery: string, push: PushEvent, pinned: string[], statuses: Map<string, AppStatusRecord>): Promise<string[]> {
  const ids: string[] = [];
  for (const app of pinned) {
    const pin = statuses.get(app)?.pin;
    if (!pin) continue;
    const now = ctx.now();
    const record: SyncRecord = {
      id: ctx.newId(), app, trigger: { kind: 'push', delivery, ...(push.sender ? { sender: push.sender } : {}) },
      dryRun: false, state: 'skipped', queuedAt: now, finishedAt: now, reason: `push of ${push.after.slice(0, 12)} not synced: ${pinnedReason(pin)}`,
    };
    await ctx.finish(record);
    ids.push(record.id);
  }
  return ids;
}
