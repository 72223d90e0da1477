import { isDriftlessError } from '../core/errors.ts';
import { groupOf, refString } from '../core/objects.ts';
import type { InventoryEntry, KubeObject, ObjectOutcome } from '../core/types.ts';
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

/** The app's opt-ins for kinds whose deletion deletes data or whole sets of objects. */
export interface PruneProtected {
  namespaces: boolean;
  crds: boolean;
  persistentVolumes: boolean;
  persistentVolumeClaims: boolean;
}

export interface PruneOptions {
  cluster: ClusterClient;
  /** The app whose tracking annotation a live object must carry. */
  app: string;
  /** false: delete nothing, keep every candidate tracked. */
  prune: boolean;
  pruneProtected: PruneProtected;
  candidates: InventoryEntry[];
  dryRun?: boolean;
  concurrency?: number;
  onProgress?: ProgressListener;
}

function protectedKind(opted: PruneProtected, entry: InventoryEntry): string | undefined {
  const { group, kind } = entry.ref;
  if (group === '' && kind === 'Namespace' && !opted.namespaces) return 'pruneProtected.namespaces';
  if (group === 'apiextensions.k8s.io' && kind === 'CustomResourceDefinition' && !opted.crds) return 'pruneProtected.crds';
  if (group === '' && kind === 'PersistentVolume' && !opted.persistentVolumes) return 'pruneProtected.persistentVolumes';
  if (group === '' && kind === 'PersistentVolumeClaim' && !opted.persistentVolumeClaims) return 'pruneProtected.persistentVolumeClaims';
  return undefined;
}

/** Why the live object is not exactly the one the entry names (group, kind, namespace, name, uid), or undefined. */
function identityMismatch(entry: InventoryEntry, live: KubeObject): string | undefined {
  const { ref } = entry;
  if (groupOf(live.apiVersion) !== ref.group || live.kind !== ref.kind || live.metadata.name !== ref.name || (live.metadata.namespace || undefined) !== ref.namespace) {
    return `not deleted: the server answered with ${live.kind} ${live.metadata.namespace ? `${live.metadata.namespace}/` : ''}${live.metadata.name ?? '?'}, not the object the inventory names`;
  }
  if (!entry.uid) return 'not deleted: the inventory recorded no uid for it, so driftless cannot tell it is the object it applied';
  if (live.metadata.uid !== entry.uid) return `not deleted: it is not the object driftless applied (uid ${live.metadata.uid ?? 'none'}, recorded ${entry.uid}); it was deleted and created again by someone else`;
  return undefined;
}

async function pruneOne(options: PruneOptions, entry: InventoryEntry): Promise<PruneResult> {
  const { cluster } = options;
  const skip = (message: string, keep: boolean): PruneResult => ({ entry, outcome: 'skipped', message, keep });
  if (!options.prune) return skip('prune is off for this app', true);
  const opt = protectedKind(options.pruneProtected, entry);
  if (opt) return skip(`left in place: ${entry.ref.kind} objects are pruned only with ${opt}: true`, false);
  try {
    const type = await cluster.resolve(entry.apiVersion, entry.ref.kind);
    if (!type) return skip('its kind is no longer served', false);
    const live = await cluster.get(type, entry.ref.name, entry.ref.namespace);
    if (!live) return skip('already gone', false);
    // The object driftless applied is gone whatever this one is: the entry is dropped, the object kept.
    const mismatch = identityMismatch(entry, live);
    if (mismatch) return skip(mismatch, false);
    const owner = trackedBy(live);
    if (owner !== options.app) return skip(`not deleted: it is ${owner ? `tracked by app "${owner}"` : 'no longer tracked by driftless'}`, false);
    if (live.metadata.annotations?.[PRUNE_ANNOTATION] === 'disabled') return skip(`not deleted: annotated ${PRUNE_ANNOTATION}: disabled`, false);
    if (options.dryRun) return { entry, outcome: 'dry-run', keep: true };
    // Preconditions: an object replaced or edited since this check is not deleted blind.
    await cluster.delete(type, entry.ref.name, entry.ref.namespace, { uid: entry.uid, resourceVersion: live.metadata.resourceVersion });
    return { entry, outcome: 'pruned', keep: false };
  } catch (err) {
    if (!isDriftlessError(err)) throw err;
    if (err.details.status === 409) return skip('not deleted: it changed after driftless checked it; the next sync looks again', true);
    return { entry, outcome: 'failed', message: `${refString(entry.ref)}: ${err.message}`, keep: true };
  }
}

/**
 * Deletes exactly the candidates (inventory minus desired), in reverse apply order, each only if the
 * live object is the one the inventory recorded (same identity and uid), still carries this app's
 * tracking and does not opt out; protected kinds need the app's opt-in.
 */
export async function pruneObjects(options: PruneOptions): Promise<PruneResult[]> {
  const results: PruneResult[] = [];
  for (const step of byStep(options.candidates, (e) => e.ref, true)) {
    const done = await mapLimit(step, options.concurrency ?? 8, (entry) => pruneOne(options, entry));
    for (const r of done) {
      options.onProgress?.({ type: 'object', phase: 'prune', ref: r.entry.ref, outcome: r.outcome, ...(r.message ? { message: r.message } : {}) });
    }
    results.push(...done);
  }
  return results;
}
