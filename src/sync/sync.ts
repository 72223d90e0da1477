import { refKey } from '../core/objects.ts';
import type { Inventory, InventoryEntry, ObjectResult, Plan, Revision, SyncError, SyncResult, SyncStatus } from '../core/types.ts';
import type { AppConfig } from '../config/types.ts';
import { applyPlan, type AppliedItem } from '../apply/apply.ts';
import { pruneObjects, type PruneResult } from '../apply/prune.ts';
import type { HealthVerdict } from '../health/assess.ts';
import { waitForHealth } from '../health/wait.ts';
import { sameIdentities, writeInventory } from '../inventory/inventory.ts';
import { toPlan } from '../plan/plan.ts';
import { withProgressScope, type ProgressListener } from '../core/progress.ts';
import { prepareSync, requestedRef, resolveRevision, summarize, type Prepared, type SyncDeps } from './prepare.ts';
import { healthErrors, objectResult, pruneResult, toSyncError, worstHealth } from './result.ts';
import { Scrubber } from '../core/scrub.ts';
import { scrubbingListener, scrubResult, scrubThrown } from './scrub.ts';

export type { SyncDeps } from './prepare.ts';
export type { ProgressEvent, ProgressListener, SyncPhase } from '../core/progress.ts';

export interface SyncOptions {
  /** SHA, branch or tag (or an already resolved Revision); default: the app's revision or branch. */
  revision?: string | Revision;
  /** Plan and preflight only: nothing is written. */
  dryRun?: boolean;
  /** false turns pruning off for this sync (it can never turn it on for an app with prune: false). */
  prune?: boolean;
  onProgress?: ProgressListener;
  /** Receives the repository paths the render read (for push routing). */
  onRendered?: (dependencies: string[]) => void;
}

/** The plan for an app at a revision (what `driftless diff` and GET /apps/{app}/diff show). Throws DriftlessError. */
export async function diffApp(deps: SyncDeps, app: AppConfig, options: Pick<SyncOptions, 'revision' | 'onProgress' | 'onRendered'> = {}): Promise<Plan> {
  const scrubber = new Scrubber();
  const progress = scrubbingListener(options.onProgress, scrubber);
  return withProgressScope(progress, async () => {
    try {
      const revision = await resolveRevision(deps, app, options.revision, progress);
      const prepared = await prepareSync(deps, app, revision, progress, options.onRendered, scrubber);
      return toPlan(app.name, revision, prepared.detail);
    } catch (err) {
      throw scrubThrown(err, scrubber);
    }
  });
}

/**
 * `revision` is the revision the cluster now holds (what drift is measured against), or the one
 * recorded before when this sync did not get everything applied.
 */
function nextInventory(app: AppConfig, revision: Revision | undefined, prepared: Prepared, applied: AppliedItem[], pruned: PruneResult[]): Inventory {
  const old = new Map((prepared.inventory?.entries ?? []).map((e) => [refKey(e.ref), e]));
  const entries: InventoryEntry[] = [];
  for (const a of applied) {
    const d = a.item.desired;
    const uid = a.result?.metadata.uid;
    if (a.outcome === 'applied' || a.outcome === 'unchanged') entries.push({ ref: d.ref, apiVersion: d.object.apiVersion, appliedHash: d.hash, ...(uid ? { uid } : {}) });
    else if (old.has(d.key)) entries.push(old.get(d.key)!);
  }
  for (const p of pruned) if (p.keep) entries.push(p.entry);
  // Prune candidates never reached (apply failed) stay tracked.
  const seen = new Set(entries.map((e) => refKey(e.ref)));
  for (const e of prepared.detail.prunes) if (!seen.has(refKey(e.ref)) && !pruned.some((p) => p.entry === e)) entries.push(e);
  return { app: app.name, ...(revision ? { revision } : {}), entries };
}

/**
 * Makes the app's cluster equal to Git at a revision: resolve → render → stamp → allow lists →
 * plan + preflight (dry runs) → apply in order → prune (only if every apply succeeded) → inventory
 * → health. Never throws for expected failures: they come back as status Failed with coded errors.
 */
export async function syncApp(deps: SyncDeps, app: AppConfig, options: SyncOptions = {}): Promise<SyncResult> {
  const scrubber = new Scrubber();
  const progress = scrubbingListener(options.onProgress, scrubber);
  return withProgressScope(progress, () => runSync(deps, app, options, scrubber, progress));
}

async function runSync(deps: SyncDeps, app: AppConfig, options: SyncOptions, scrubber: Scrubber, progress: ProgressListener | undefined): Promise<SyncResult> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  let revision: Revision = { ref: requestedRef(app, options.revision), sha: '' };
  const finish = (status: SyncStatus, rest: Partial<SyncResult>): SyncResult => scrubResult({
    app: app.name,
    revision,
    status,
    startedAt,
    finishedAt: now().toISOString(),
    dryRun: options.dryRun === true,
    objects: [],
    pruned: [],
    displacedManagers: [],
    health: 'Unknown',
    errors: [],
    ...rest,
  }, scrubber);
  let prepared: Prepared;
  try {
    revision = await resolveRevision(deps, app, options.revision, progress);
    prepared = await prepareSync(deps, app, revision, progress, options.onRendered, scrubber);
  } catch (err) {
    progress?.({ type: 'phase', phase: 'done', message: 'failed before anything was written' });
    return finish('Failed', { errors: [toSyncError(scrubThrown(err, scrubber))] });
  }
  const { detail } = prepared;
  const pruneAllowed = options.prune !== false;
  if (options.dryRun) {
    const objects: ObjectResult[] = detail.items.map((item) => ({ ref: item.desired.ref, action: item.action, outcome: item.action === 'unchanged' ? 'unchanged' : 'dry-run', origin: item.desired.origin, ...(item.displacedManagers.length ? { displacedManagers: item.displacedManagers } : {}) }));
    for (const e of pruneAllowed && app.prune ? detail.prunes : []) objects.push({ ref: e.ref, action: 'prune', outcome: 'dry-run' });
    progress?.({ type: 'phase', phase: 'done', message: `dry run: ${summarize(detail)}` });
    return finish('DryRun', { objects, displacedManagers: [...new Set(detail.items.flatMap((i) => i.displacedManagers))].sort(), errors: prepared.untrusted ? [toSyncError(prepared.untrusted)] : [] });
  }
  const errors: SyncError[] = [];
  progress?.({ type: 'phase', phase: 'apply', message: summarize(detail) });
  let applied: AppliedItem[] = [];
  let failed = false;
  try {
    const outcome = await applyPlan({
      cluster: deps.cluster, items: detail.items, force: app.force, establishTimeoutMs: app.healthTimeoutSeconds * 1000, onProgress: progress,
      concurrency: app.concurrency, ...(deps.now ? { now: deps.now } : {}), ...(deps.sleep ? { sleep: deps.sleep } : {}), ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
    });
    applied = outcome.results;
    failed = outcome.failed;
    for (const a of applied) if (a.error) errors.push(toSyncError(a.error));
  } catch (err) {
    failed = true;
    errors.push(toSyncError(err));
  }
  let pruned: PruneResult[] = [];
  if (!failed && detail.prunes.length > 0) {
    progress?.({ type: 'phase', phase: 'prune', message: `pruning ${detail.prunes.length} objects` });
    try {
      pruned = await pruneObjects({ cluster: deps.cluster, app: app.name, prune: pruneAllowed && app.prune, pruneProtected: app.pruneProtected, candidates: detail.prunes, concurrency: app.concurrency, ...(progress ? { onProgress: progress } : {}) });
      for (const p of pruned) if (p.outcome === 'failed') errors.push({ code: 'PRUNE_FAILED', message: p.message ?? 'prune failed' });
    } catch (err) {
      // Unexpected: keep every candidate in the inventory (nextInventory does) and report, never throw.
      errors.push({ ...toSyncError(err), code: 'PRUNE_FAILED' });
    }
  } else if (failed && detail.prunes.length > 0) {
    progress?.({ type: 'phase', phase: 'prune', message: `not pruning ${detail.prunes.length} objects: an apply failed` });
  }
  const inventory = nextInventory(app, failed ? prepared.inventory?.revision : revision, prepared, applied, pruned);
  // The inventory's revision is the last synced one that drift checks compare against (src/drift):
  // a sync of a new revision records it even when no object changed (one write; a resync of the
  // same revision writes nothing).
  const revisionMoved = !failed && prepared.inventory?.revision?.sha !== revision.sha;
  if (prepared.untrusted) {
    // Left in place, not overwritten: if it is the app's real inventory under a lost or rotated key,
    // it is what lets prune resume (add the key to signing.previousKeys); if it is forged, keeping
    // it costs only this error. The applies stand; only prune waits.
    errors.push(toSyncError(prepared.untrusted));
  } else if (!prepared.inventory || prepared.inventory.signedWithPreviousKey || revisionMoved || !sameIdentities(prepared.inventory.entries, inventory.entries)) {
    // Only a changed identity set, a new revision (or a rotated key) costs an inventory write: hashes live on the objects themselves.
    progress?.({ type: 'phase', phase: 'inventory', message: `recording ${inventory.entries.length} objects` });
    try {
      await writeInventory(deps.cluster, inventory, app.namespace, deps.keyring);
    } catch (err) {
      const error = toSyncError(err);
      errors.push({ ...error, message: `recording the inventory (ConfigMap ${app.namespace}/driftless-inventory-${app.name}) failed: ${error.message}` });
      failed = true;
    }
  }
  let verdicts = new Map<string, HealthVerdict>();
  if (!failed) {
    progress?.({ type: 'phase', phase: 'health', message: `waiting up to ${app.healthTimeoutSeconds}s for health` });
    const watched = applied.map((a) => ({ key: a.item.desired.key, ref: a.item.desired.ref, type: a.item.desired.type, ...(a.result ? { observed: a.result } : {}) }));
    try {
      verdicts = await waitForHealth(deps.cluster, watched, { timeoutMs: app.healthTimeoutSeconds * 1000, pollMs: deps.pollMs ?? 2000, ...(deps.sleep ? { sleep: deps.sleep } : {}), ...(progress ? { onProgress: progress } : {}), ...(app.health ? { ignore: app.health.filter((h) => h.ignore) } : {}) });
      errors.push(...healthErrors(applied, verdicts, app.healthTimeoutSeconds));
    } catch (err) {
      // Everything was applied; only watching failed (the cluster went away): report, do not throw.
      errors.push(toSyncError(err));
      failed = true;
    }
  }
  const health = failed ? 'Unknown' : worstHealth(verdicts.values());
  const status: SyncStatus = failed || errors.some((e) => e.code === 'PRUNE_FAILED' || e.code === 'INVENTORY_UNTRUSTED') ? 'Failed' : health === 'Healthy' ? 'Synced' : 'Degraded';
  progress?.({ type: 'phase', phase: 'done', message: `${status}: ${summarize(detail)}` });
  return finish(status, {
    objects: [...applied.map((a) => objectResult(a, verdicts.get(a.item.desired.key))), ...pruned.map(pruneResult)],
    pruned: pruned.filter((p) => p.outcome === 'pruned').map((p) => p.entry.ref),
    displacedManagers: [...new Set(applied.flatMap((a) => a.displacedManagers))].sort(),
    health,
    errors,
  });
}
