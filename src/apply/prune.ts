import { isDriftlessError } from '../core/errors.ts';
import { refString } from '../core/objects.ts';
import type { InventoryEntry, ObjectOutcome } from '../core/types.ts';
import type { AppConfig } from '../config/types.ts';
import type { ClusterClient } from '../ports/cluster.ts';
import { trackedBy } from '../plan/stamp.ts';
import { PRUNE_ANNOTATION } from '../core/labels.ts';
import type { ProgressListener } from '../core/progress.ts';
import { mapLimit } from '../core/limit.ts';
import { byStep } from './order.ts';

export interface PruneResult {
  entry: InventoryEntry;
  outcome: Extract<ObjectOutcome, 'pruned' | 'skipped' | 'failed' | 'dry-run'>;
  message?: string;
  /** Whether the inventory keeps tracking it (so a later sync can still prune it). */
  keep: boolean;
}

export interface PruneContext {
  cluster: ClusterClient;
  app: AppConfig;
  candidates: InventoryEntry[];
  dryRun?: boolean;
  concurrency?: number;
  onProgress?: ProgressListener;
}

function protectedKind(app: AppConfig, entry: InventoryEntry): string | undefined {
  const { group, kind } = entry.ref;
  if (group === '' && kind === 'Namespace' && !app.pruneProtected.namespaces) return 'pruneProtected.namespaces';
  if (group === 'apiextensions.k8s.io' && kind === 'CustomResourceDefinition' && !app.pruneProtected.crds) return 'pruneProtected.crds';
  if (group === '' && kind === 'PersistentVolume' && !app.pruneProtected.persistentVolumes) return 'pruneProtected.persistentVolumes';
  if (group === '' && kind === 'PersistentVolumeClaim' && !app.pruneProtected.persistentVolumeClaims) return 'pruneProtected.persistentVolumeClaims';
  return undefined;
}

async function pruneOne(ctx: PruneContext, entry: InventoryEntry): Promise<PruneResult> {
  const { cluster, app } = ctx;
  const skip = (message: string, keep: boolean): PruneResult => ({ entry, outcome: 'skipped', message, keep });
  if (!app.prune) return skip('prune is off for this app', true);
  const opt = protectedKind(app, entry);
  if (opt) return skip(`left in place: ${entry.ref.kind} objects are pruned only with ${opt}: true`, false);
  try {
    const type = await cluster.resolve(entry.apiVersion, entry.ref.kind);
    if (!type) return skip('its kind is no longer served', false);
    const live = await cluster.get(type, entry.ref.name, entry.ref.namespace);
    if (!live) return skip('already gone', false);
    const owner = trackedBy(live);
    if (owner !== app.name) return skip(`not deleted: it is ${owner ? `tracked by app "${owner}"` : 'no longer tracked by driftless'}`, false);
    if (live.metadata.annotations?.[PRUNE_ANNOTATION] === 'disabled') return skip(`not deleted: annotated ${PRUNE_ANNOTATION}: disabled`, false);
    if (ctx.dryRun) return { entry, outcome: 'dry-run', keep: true };
    // Preconditions: an object replaced or edited since this check is not deleted blind.
    await cluster.delete(type, entry.ref.name, entry.ref.namespace, { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion });
    return { entry, outcome: 'pruned', keep: false };
  } catch (err) {
    if (!isDriftlessError(err)) throw err;
    if (err.details.status === 409) return skip('not deleted: it changed after driftless checked it; the next sync looks again', true);
    return { entry, outcome: 'failed', message: `${refString(entry.ref)}: ${err.message}`, keep: true };
  }
}

/**
 * Deletes exactly the candidates (inventory minus desired), in reverse apply order, each only if it
 * still carries this app's tracking and does not opt out; protected kinds need the app's opt-in.
 */
export async function pruneObjects(ctx: PruneContext): Promise<PruneResult[]> {
  const results: PruneResult[] = [];
  for (const step of byStep(ctx.candidates, (e) => e.ref, true)) {
    const done = await mapLimit(step, ctx.concurrency ?? 8, (entry) => pruneOne(ctx, entry));
    for (const r of done) {
      ctx.onProgress?.({ type: 'object', phase: 'prune', ref: r.entry.ref, outcome: r.outcome, ...(r.message ? { message: r.message } : {}) });
    }
    results.push(...done);
  }
  return results;
}
