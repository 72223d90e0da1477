import { mapLimit } from '../core/limit.ts';
import { groupOf, refKey, refString } from '../core/objects.ts';
import { Scrubber } from '../core/scrub.ts';
import type { DriftedObject, DriftField, DriftReport, Inventory, KubeObject, Revision } from '../core/types.ts';
import type { AppConfig } from '../config/types.ts';
import { FIELD_MANAGER } from '../core/labels.ts';
import { readInventory } from '../inventory/inventory.ts';
import { isSubset } from '../plan/compare.ts';
import { prepareDesired, type DesiredObject } from '../plan/desired.ts';
import { listLive, type ListTarget } from '../plan/plan.ts';
import { appliedHashOf, trackedBy } from '../plan/stamp.ts';
import { requestedRef, type SyncDeps } from '../sync/prepare.ts';
import { learnLiveSecrets, scrubThrown } from '../sync/scrub.ts';
import { changedFields, type FieldChange } from './fields.ts';
import { unknownReason } from './reasons.ts';
import { createDriftRunCache, type DriftRunCache } from './run-cache.ts';

export interface DriftCheckOptions {
  /** Dry runs (and lists) in flight within the app; default: the app's concurrency. */
  concurrency?: number;
  /** What the apps of one run share (branch heads, trees); absent: this app reads its own. */
  cache?: DriftRunCache;
}

export interface DriftRunOptions {
  /** Apps checked at once; default 4. */
  concurrency?: number;
  /** Called as each app's report is ready (in completion order). */
  onReport?: (report: DriftReport) => void;
}

/** The deps of one app (SyncDeps), or how to build them per app (apps on different clusters). */
export type DriftDeps = SyncDeps | ((app: AppConfig) => Promise<SyncDeps>);

/** What a drift check needs to know about the app. */
export type DriftApp = Pick<AppConfig, 'name' | 'namespace' | 'createNamespace' | 'ignore' | 'origin' | 'path' | 'allowRemote' | 'revision' | 'branch' | 'concurrency'>;

/** Objects that go away by design: never `missing`. */
function goneByDesign(d: DesiredObject): boolean {
  if (d.object.metadata.generateName) return true;
  const spec = d.object.spec as Record<string, unknown> | undefined;
  return d.ref.group === 'batch' && d.ref.kind === 'Job' && spec?.ttlSecondsAfterFinished !== undefined;
}

const isSecret = (obj: KubeObject): boolean => obj.kind === 'Secret' && groupOf(obj.apiVersion) === '';

/** Secret values as a report may show them: a keyed hash that says whether two values differ, never the value. */
function maskValue(deps: SyncDeps, value: unknown): unknown {
  if (value === undefined) return undefined;
  return `<hidden hmac:${deps.keyring.mac('drift-mask', JSON.stringify(value)).slice(0, 12)}>`;
}

function reportField(deps: SyncDeps, obj: KubeObject, change: FieldChange, scrubber: Scrubber): DriftField {
  const secretValue = isSecret(obj) && /^\/(data|stringData)(\/|$)/.test(change.path);
  // Strings only: scrubbing the JSON text would turn a Secret value such as "3" or "true" into a
  // <redacted> token that is no JSON, and every number or boolean field into an Unknown report.
  const show = (value: unknown): unknown => (secretValue ? maskValue(deps, value) : scrubber.scrubValue(value));
  const desired = show(change.desired);
  const live = show(change.live);
  return { path: change.path, ...(desired !== undefined ? { desired } : {}), ...(live !== undefined ? { live } : {}), ...(change.manager ? { manager: change.manager } : {}) };
}

/** The revision drift is measured against, or why there is none to trust. */
function syncedRevision(app: DriftApp, inventory: Inventory | undefined): Revision | { code: 'NOT_SYNCED' | 'INVENTORY_UNTRUSTED'; message: string } {
  if (!inventory) return { code: 'NOT_SYNCED', message: `app ${app.name} has no inventory (ConfigMap ${app.namespace}/driftless-inventory-${app.name}): driftless has not synced it to this cluster yet (run driftless sync ${app.name})` };
  if (!inventory.revision?.sha) return { code: 'INVENTORY_UNTRUSTED', message: `the inventory of app ${app.name} records no synced revision (written by an older driftless); the next sync records it` };
  return inventory.revision;
}

/**
 * Whether the cluster still holds what driftless last synced for one app (src/drift's one job).
 * Cheap path of the plan: the inventory read, the plan's lists, no writes; objects whose live
 * fields are not a superset of what was applied are suspects, each confirmed by one server-side
 * dry run of the same apply (so server defaults, admission mutations and equivalent forms never
 * count). Never throws for expected failures: the report is Unknown with the reason.
 */
export async function checkAppDrift(appDeps: SyncDeps, app: DriftApp, options: DriftCheckOptions = {}): Promise<DriftReport> {
  const deps = options.cache ? { ...appDeps, source: options.cache.source(appDeps.source) } : appDeps;
  const now = deps.now ?? (() => new Date());
  const scrubber = new Scrubber();
  let revision: Revision | undefined;
  let pending: string | undefined;
  const base = (): Pick<DriftReport, 'app' | 'revision' | 'pending' | 'checkedAt'> => ({ app: app.name, ...(revision ? { revision } : {}), ...(pending ? { pending } : {}), checkedAt: now().toISOString() });
  try {
    // The branch head only says whether Git moved on: a source that cannot answer does not stop the check.
    const head = deps.source.resolve(requestedRef(app)).then((r) => r.sha, () => undefined);
    const inventory = await readInventory(deps.cluster, app.name, app.namespace, deps.keyring);
    const synced = syncedRevision(app, inventory);
    if (!('sha' in synced)) return { ...base(), status: 'Unknown', reason: synced, objects: [] };
    revision = synced;
    const headSha = await head;
    if (headSha && headSha !== revision.sha) pending = headSha;
    const tree = await deps.source.tree(revision);
    const rendered = await deps.renderer.render({ tree, path: app.path, allowRemote: app.allowRemote });
    scrubber.absorb(rendered.scrubber);
    const desired = await prepareDesired(deps.cluster, app, rendered.manifests, deps.keyring);
    const concurrency = options.concurrency ?? app.concurrency ?? 8;
    const wanted = new Set(desired.map((d) => d.key));
    const extras = await extraTargets(deps, inventory!, wanted);
    const live = await listLive({ cluster: deps.cluster, desired: [...desired, ...extras.map((e) => e.target)], concurrency });
    learnLiveSecrets(live.values(), scrubber);

    const objects: DriftedObject[] = [];
    const suspects: Array<{ d: DesiredObject; current: KubeObject }> = [];
    const untrusted: string[] = [];
    for (const d of desired) {
      const current = live.get(d.key);
      if (!current || current.metadata.deletionTimestamp) {
        if (!goneByDesign(d)) objects.push({ ref: d.ref, state: 'missing', fields: [], origin: d.origin });
        continue;
      }
      // createNamespace leaves a namespace someone else made alone: it is not driftless's to compare.
      if (d.implicit && trackedBy(current) !== app.name) continue;
      if (appliedHashOf(current) !== d.hash) untrusted.push(refString(d.ref));
      else if (!isSubset(d.object, current)) suspects.push({ d, current });
    }
    if (untrusted.length > 0) {
      const more = untrusted.length > 3 ? ` and ${untrusted.length - 3} more` : '';
      return { ...base(), status: 'Unknown', reason: { code: 'INVENTORY_UNTRUSTED', message: `the last synced revision ${revision.sha.slice(0, 12)} of app ${app.name} cannot be trusted: ${untrusted.slice(0, 3).join(', ')}${more} carry an applied hash (driftless.dev/applied-hash) that its render does not produce (applied from another revision, a render input such as a remote base or a secret changed, or the signing key rotated); the next sync records a revision that can be compared` }, objects: [] };
    }
    const confirmed = await mapLimit(suspects, concurrency, async ({ d, current }) => {
      const expected = await deps.cluster.apply(d.type, d.object, { fieldManager: FIELD_MANAGER, force: true, dryRun: true });
      const fields = changedFields(d.object, expected, current).map((c) => reportField(deps, current, c, scrubber));
      return fields.length > 0 ? ({ ref: d.ref, state: 'modified', fields, origin: d.origin } satisfies DriftedObject) : undefined;
    });
    for (const c of confirmed) if (c) objects.push(c);
    for (const { entry } of extras) {
      const current = live.get(refKey(entry.ref));
      if (current && !current.metadata.deletionTimestamp && (!entry.uid || current.metadata.uid === entry.uid)) objects.push({ ref: entry.ref, state: 'extra', fields: [] });
    }
    objects.sort((a, b) => refKey(a.ref).localeCompare(refKey(b.ref)));
    return { ...base(), status: objects.length > 0 ? 'OutOfSync' : 'Synced', objects };
  } catch (err) {
    return { ...base(), status: 'Unknown', reason: unknownReason(scrubThrown(err, scrubber)), objects: [] };
  }
}

/** Inventory entries Git no longer has, with what it takes to list them (kinds the server no longer serves cannot exist). */
async function extraTargets(deps: SyncDeps, inventory: Inventory, wanted: Set<string>): Promise<Array<{ entry: Inventory['entries'][number]; target: ListTarget }>> {
  const out: Array<{ entry: Inventory['entries'][number]; target: ListTarget }> = [];
  for (const entry of inventory.entries) {
    if (wanted.has(refKey(entry.ref))) continue;
    const type = await deps.cluster.resolve(entry.apiVersion, entry.ref.kind);
    if (type) out.push({ entry, target: { type, ref: entry.ref, pendingCrd: false, origin: { file: `inventory of ${inventory.app}` } } });
  }
  return out;
}

/**
 * Checks apps at once with a bound; each app gets its own report whatever happens to the others
 * (deps that cannot be built, e.g. a cluster's credentials, make that app Unknown).
 */
export async function checkDrift(deps: DriftDeps, apps: readonly AppConfig[], options: DriftRunOptions = {}): Promise<DriftReport[]> {
  const cache = createDriftRunCache();
  return mapLimit(apps, options.concurrency ?? 4, async (app) => {
    let report: DriftReport;
    try {
      const appDeps = typeof deps === 'function' ? await deps(app) : deps;
      report = await checkAppDrift(appDeps, app, { cache });
    } catch (err) {
      report = { app: app.name, status: 'Unknown', reason: unknownReason(err), checkedAt: new Date().toISOString(), objects: [] };
    }
    options.onReport?.(report);
    return report;
  });
}

