import { DriftlessError, isDriftlessError } from '../core/errors.ts';
import type { Keyring } from '../core/keyring.ts';
import type { Inventory, Manifest, Revision } from '../core/types.ts';
import type { AppConfig } from '../config/types.ts';
import type { ClusterClient } from '../ports/cluster.ts';
import type { Renderer } from '../ports/renderer.ts';
import type { Source } from '../ports/source.ts';
import { readInventory } from '../inventory/inventory.ts';
import { checkAllowed, prepareDesired, type AllowOptions, type DesiredObject, type StampOptions } from '../plan/desired.ts';
import { checkNames, checkNamespaceGrants, checkReserved } from '../plan/guard.ts';
import { planChanges, type PlanDetail } from '../plan/plan.ts';
import type { ProgressListener } from '../core/progress.ts';
import type { Scrubber } from '../core/scrub.ts';
import { learnLiveSecrets } from './scrub.ts';

export interface SyncDeps {
  source: Source;
  renderer: Renderer;
  /** Callers pass a client already wrapped with retryingCluster (wiring does). */
  cluster: ClusterClient;
  /** The signing key (config `signing`): inventory checksums and Secrets' applied hashes. */
  keyring: Keyring;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Health poll interval; default 2000 ms. */
  pollMs?: number;
}

export interface Prepared {
  revision: Revision;
  manifests: Manifest[];
  desired: DesiredObject[];
  inventory: Inventory | undefined;
  /** The inventory ConfigMap exists but cannot be trusted: nothing is pruned and it is not overwritten. */
  untrusted?: DriftlessError;
  detail: PlanDetail;
}

/** The revision a sync asked for: explicit, else the app's pinned revision, else its branch. */
export function requestedRef(app: Pick<AppConfig, 'revision' | 'branch'>, revision?: string | Revision): string {
  if (typeof revision === 'object') return revision.ref;
  return revision ?? app.revision ?? app.branch ?? 'HEAD';
}

/** The commit a sync works on: the one given, or the requested ref resolved by the source. */
export async function resolveRevision(deps: SyncDeps, app: Pick<AppConfig, 'revision' | 'branch'>, revisionRef: string | Revision | undefined, onProgress?: ProgressListener): Promise<Revision> {
  if (typeof revisionRef === 'object') return revisionRef;
  const ref = requestedRef(app, revisionRef);
  onProgress?.({ type: 'phase', phase: 'resolve', message: `resolving ${ref}` });
  return deps.source.resolve(ref);
}

/** What everything before the first write needs to know about the app. */
export type PrepareOptions = StampOptions & AllowOptions & Pick<AppConfig, 'path' | 'allowRemote' | 'allowEmpty' | 'force' | 'concurrency'>;

/**
 * Everything before the first write: resolve → render → stamp → allow lists → inventory → plan
 * with dry runs (the preflight). Throws DriftlessError when anything is wrong; nothing is written.
 * `scrubber` learns the Secret values the render read, as soon as it has read them.
 */
export async function prepareSync(deps: SyncDeps, app: PrepareOptions, revision: Revision, onProgress?: ProgressListener, onRendered?: (dependencies: string[]) => void, scrubber?: Scrubber): Promise<Prepared> {
  onProgress?.({ type: 'phase', phase: 'render', message: `rendering ${app.path} at ${revision.sha.slice(0, 12)}`, revision });
  // A read with no dependency on the render: off the critical path (awaited, so errors still surface).
  const inventoryRead = readInventory(deps.cluster, app.name, app.namespace, deps.keyring).then(
    (inventory): { inventory: Inventory | undefined; untrusted?: DriftlessError } => ({ inventory }),
    (err: unknown) => (isDriftlessError(err, 'INVENTORY_UNTRUSTED') ? { inventory: undefined, untrusted: err } : Promise.reject(err)),
  );
  inventoryRead.catch(() => undefined);
  const tree = await deps.source.tree(revision);
  const rendered = await deps.renderer.render({ tree, path: app.path, allowRemote: app.allowRemote });
  const manifests = rendered.manifests;
  scrubber?.absorb(rendered.scrubber);
  onRendered?.(rendered.dependencies);
  const desired = await prepareDesired(deps.cluster, app, manifests, deps.keyring);
  checkNames(app.name, desired);
  checkReserved(app.name, desired);
  checkAllowed(app, desired);
  await checkNamespaceGrants(deps.cluster, app, desired);
  onProgress?.({ type: 'phase', phase: 'plan', message: `planning ${desired.length} objects` });
  const { inventory, untrusted } = await inventoryRead;
  if (manifests.length === 0 && (inventory?.entries.length ?? 0) > 0 && !app.allowEmpty) {
    throw new DriftlessError('EMPTY_RENDER', `${app.path} renders no objects at ${revision.sha.slice(0, 12)}; refusing to prune the ${inventory!.entries.length} objects app ${app.name} manages (set allowEmpty: true if that is intended)`, { file: app.origin.file, field: 'path' });
  }
  const detail = await planChanges({ cluster: deps.cluster, appName: app.name, force: app.force, desired, inventory, concurrency: app.concurrency });
  if (scrubber) learnLiveSecrets(detail.live.values(), scrubber);
  if (detail.failures.length > 0) {
    const codes = new Set(detail.failures.map((f) => f.code));
    const code = codes.size === 1 && codes.has('OWNERSHIP_CONFLICT') ? 'OWNERSHIP_CONFLICT' : codes.size === 1 && codes.has('APPLY_CONFLICT') ? 'APPLY_CONFLICT' : codes.size === 1 && codes.has('ADMISSION_DENIED') ? 'ADMISSION_DENIED' : 'PREFLIGHT_FAILED';
    const first = detail.failures[0]!;
    const lines = detail.failures.map((f) => f.message);
    throw new DriftlessError(code, lines.length === 1 ? lines[0]! : `preflight failed for ${lines.length} objects (nothing was applied):\n${lines.join('\n')}`, {
      file: first.desired.origin.file,
      object: `${first.desired.ref.kind} ${first.desired.ref.namespace ? `${first.desired.ref.namespace}/` : ''}${first.desired.ref.name}`,
      failures: detail.failures.map((f) => ({ code: f.code, message: f.message, file: f.desired.origin.file })),
    });
  }
  onProgress?.({ type: 'phase', phase: 'preflight', message: `preflight passed: ${summarize(detail)}` });
  return { revision, manifests, desired, inventory, ...(untrusted ? { untrusted } : {}), detail };
}

export function summarize(detail: PlanDetail): string {
  const count = (action: string): number => detail.items.filter((i) => i.action === action).length;
  return `${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged, ${detail.prunes.length} to prune`;
}
