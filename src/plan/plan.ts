import { isDriftlessError, where, type ErrorCode } from '../core/errors.ts';
import { crdServedKind, kindKey, refKey, refOf, refString } from '../core/objects.ts';
import type { Inventory, InventoryEntry, KubeObject, Plan, PlannedChange, Revision } from '../core/types.ts';
import type { ClusterClient, ResourceType } from '../ports/cluster.ts';
import { mapLimit } from '../core/limit.ts';
import { comparable, deepEqual, diffLines, isSubset } from './compare.ts';
import type { DesiredObject } from './desired.ts';
import { displacedManagers, hasApplyEntry } from './managers.ts';
import { maskSecret } from './mask.ts';
import { isForbidden, missingPermission, unreadableError, type UnreadableKind } from './permissions.ts';
import { SchemaChecker } from './schema-check.ts';
import { appliedHashOf, trackedBy } from './stamp.ts';
import { APPLIED_HASH_ANNOTATION, FIELD_MANAGER } from '../core/labels.ts';

export interface PlanItem {
  desired: DesiredObject;
  action: 'create' | 'update' | 'unchanged';
  live?: KubeObject;
  /** What the server's dry run says the object will be. */
  preview?: KubeObject;
  diff: string[];
  displacedManagers: string[];
  /** How the decision was made: hash + live subset (no request), server dry run, or schema. */
  checkedBy: 'hash' | 'dry-run' | 'schema';
}

export interface PreflightFailure {
  desired: DesiredObject;
  code: ErrorCode;
  message: string;
}

export interface PlanDetail {
  items: PlanItem[];
  prunes: InventoryEntry[];
  inventory: Inventory | undefined;
  failures: PreflightFailure[];
  /** Live objects seen by the lists, by ref key: the health check's first observation. */
  live: Map<string, KubeObject>;
}

export interface PlanContext {
  cluster: ClusterClient;
  /** The app planning: objects tracked by another app are refused. */
  appName: string;
  /** Take fields other managers own (server-side apply force). */
  force: boolean;
  desired: DesiredObject[];
  inventory: Inventory | undefined;
  concurrency?: number;
}

/** What a list needs to know of an object: its type and where it lives (drift also lists inventory entries). */
export type ListTarget = Pick<DesiredObject, 'type' | 'ref' | 'pendingCrd' | 'origin'>;

/** The lists the plan makes: over these objects' kinds and namespaces. */
export interface LiveListing {
  cluster: ClusterClient;
  desired: ListTarget[];
  concurrency?: number;
}

function typeId(type: ResourceType): string {
  return `${type.group}/${type.version}/${type.kind}`;
}

const isNamespaceType = (type: ResourceType): boolean => type.group === '' && type.kind === 'Namespace';

/**
 * One LIST per kind and namespace (cluster-wide for cluster-scoped kinds), unlabeled objects
 * included. Namespaces are listed first and reported through `onNamespaces` as soon as known, so
 * work that depends only on them (schema prefetch) overlaps the other lists. A LIST the identity may
 * not make (403) falls back to a GET of each rendered object of that kind, which tells the plan the
 * same about them; when that is refused too, the kind is unreadable and the plan stops (see
 * permissions.ts) before any dry run or write.
 */
export async function listLive(ctx: LiveListing, onNamespaces?: (live: Set<string>) => void): Promise<Map<string, KubeObject>> {
  const lists = new Map<string, { type: ResourceType; namespace?: string; objects: ListTarget[] }>();
  for (const d of ctx.desired) {
    if (d.pendingCrd) continue;
    const namespace = d.type.namespaced ? d.ref.namespace : undefined;
    const id = `${typeId(d.type)}|${namespace ?? ''}`;
    const list = lists.get(id) ?? (namespace ? { type: d.type, namespace, objects: [] } : { type: d.type, objects: [] });
    list.objects.push(d);
    lists.set(id, list);
  }
  const ordered = [...lists.values()].sort((a, b) => Number(isNamespaceType(b.type)) - Number(isNamespaceType(a.type)));
  const live = new Map<string, KubeObject>();
  const unreadable: UnreadableKind[] = [];
  await mapLimit(ordered, ctx.concurrency ?? 8, async (l) => {
    let objects: KubeObject[];
    try {
      objects = await ctx.cluster.list(l.type, l.namespace);
    } catch (err) {
      if (!isForbidden(err)) throw err;
      const read = await readByName(ctx, l.objects);
      if (!read) {
        unreadable.push({ missing: missingPermission(err, { verb: 'list', type: l.type, ...(l.namespace ? { namespace: l.namespace } : {}) }), message: err.message, objects: l.objects });
        return;
      }
      objects = read;
    }
    for (const obj of objects) live.set(refKey(refOf(obj)), obj);
    if (isNamespaceType(l.type)) onNamespaces?.(new Set(objects.map((o) => o.metadata.name ?? '')));
  });
  if (unreadable.length > 0) throw unreadableError(unreadable);
  return live;
}

/** The narrower request: each object by name. undefined when that is forbidden too. */
async function readByName(ctx: LiveListing, objects: ListTarget[]): Promise<KubeObject[] | undefined> {
  try {
    const found = await mapLimit(objects, ctx.concurrency ?? 8, (d) => ctx.cluster.get(d.type, d.ref.name, d.type.namespaced ? d.ref.namespace : undefined));
    return found.filter((o): o is KubeObject => o !== undefined);
  } catch (err) {
    if (isForbidden(err)) return undefined;
    throw err;
  }
}

/**
 * Unchanged with no request: the live object carries the hash of exactly this configuration (so no
 * field was dropped from Git since) and still holds every field of it (nobody changed them).
 */
function unchangedByHash(d: DesiredObject, live: KubeObject): boolean {
  if (appliedHashOf(live) !== d.hash) return false;
  if (live.metadata.deletionTimestamp) return false;
  return isSubset(d.object, live);
}

/**
 * A create's diff is the whole object: only `diff` (a plan shown to someone) reads it, so a sync of
 * 500 new objects does not mask and print 500 objects for nothing. Computed on first read.
 */
function createItem(d: DesiredObject, rest: Omit<PlanItem, 'desired' | 'action' | 'diff'>): PlanItem {
  let diff: string[] | undefined;
  const item = { desired: d, action: 'create' as const, ...rest };
  return Object.defineProperty(item, 'diff', { enumerable: true, configurable: true, get: () => (diff ??= withoutHash(diffLines({}, maskSecret(d.object)))) }) as PlanItem;
}

const HASH_DIFF = `metadata.annotations.${APPLIED_HASH_ANNOTATION}`;

/** The hash annotation changes with any change: a diff shows the change itself, not the hash. */
function withoutHash(lines: string[]): string[] {
  return lines.filter((line) => !line.slice(2).startsWith(HASH_DIFF));
}

/**
 * Decides create / update / unchanged for each desired object. Unchanged by applied-hash annotation and a
 * live subset check costs nothing; everything else gets a server-side-apply dry run, which is also
 * the preflight (objects that cannot be dry-run yet are schema-checked). Failures are collected,
 * not thrown, so one preflight names every bad object.
 */
export async function planChanges(ctx: PlanContext): Promise<PlanDetail> {
  const { cluster, appName, desired, inventory } = ctx;
  // Kinds whose CRD is in the render: the server's schema for them may be about to change.
  const crdInRender = new Map<string, DesiredObject>();
  for (const d of desired) {
    const served = crdServedKind(d.object);
    if (served) crdInRender.set(served, d);
  }
  const schemaDeferred: Array<{ desired: DesiredObject; current?: KubeObject; message: string }> = [];
  const schema = new SchemaChecker(cluster);
  const live = await listLive(ctx, (liveNamespaces) => {
    // Objects in namespaces this sync creates get schema-checked: fetch those schemas during the other lists.
    const created = new Set(desired.filter((d) => isNamespaceType(d.type) && !liveNamespaces.has(d.ref.name)).map((d) => d.ref.name));
    for (const d of desired) if (d.ref.namespace !== undefined && created.has(d.ref.namespace)) schema.prefetch(d);
  });
  const createdNamespaces = new Set(desired.filter((d) => d.ref.kind === 'Namespace' && d.ref.group === '' && !live.has(d.key)).map((d) => d.ref.name));
  const failures: PreflightFailure[] = [];
  const fail = (d: DesiredObject, code: ErrorCode, message: string): undefined => {
    failures.push({ desired: d, code, message: `${where(d.origin.file, d.origin.line)}: ${message}` });
    return undefined;
  };
  const decide = async (d: DesiredObject): Promise<PlanItem | undefined> => {
    const current = live.get(d.key);
    // createNamespace never relabels or adopts a namespace driftless did not create: it exists, which is all it asks.
    if (current && d.implicit && trackedBy(current) !== appName) return undefined;
    if (current) {
      const owner = trackedBy(current);
      if (owner && owner !== appName) return fail(d, 'OWNERSHIP_CONFLICT', `${refString(d.ref)} is managed by app "${owner}"; app "${appName}" cannot take it over (remove it from one of the two apps)`);
      if (unchangedByHash(d, current)) return { desired: d, action: 'unchanged', live: current, diff: [], displacedManagers: [], checkedBy: 'hash' };
    }
    if (!current && (d.pendingCrd || (d.ref.namespace !== undefined && createdNamespaces.has(d.ref.namespace)))) {
      const problem = await schema.check(d, desired);
      if (problem) return fail(d, 'PREFLIGHT_FAILED', problem);
      return createItem(d, { displacedManagers: [], checkedBy: 'schema' });
    }
    let preview: KubeObject;
    try {
      // Strict: a field the schema does not declare fails here, before any write, instead of being dropped.
      preview = await cluster.apply(d.type, d.object, { fieldManager: FIELD_MANAGER, force: ctx.force, dryRun: true, fieldValidation: 'Strict' });
    } catch (err) {
      if (isDriftlessError(err) && err.details.schemaMismatch === true && crdInRender.has(kindKey(d.ref))) {
        // Judged once every CRD's own decision is known: against the render's CRD if that changes.
        schemaDeferred.push({ desired: d, ...(current ? { current } : {}), message: err.message });
        return undefined;
      }
      if (isDriftlessError(err) && (err.code === 'APPLY_FAILED' || err.code === 'APPLY_CONFLICT')) return fail(d, err.code === 'APPLY_CONFLICT' ? 'APPLY_CONFLICT' : 'PREFLIGHT_FAILED', err.message);
      // The dry run passes through admission: PodSecurity, quota and LimitRange refusals show here, before any write.
      if (isDriftlessError(err, 'ADMISSION_DENIED')) return fail(d, 'ADMISSION_DENIED', err.message);
      throw err;
    }
    if (!current) return createItem(d, { preview, displacedManagers: [], checkedBy: 'dry-run' });
    const same = deepEqual(comparable(preview), comparable(current)) && hasApplyEntry(current);
    return {
      desired: d,
      action: same ? 'unchanged' : 'update',
      live: current,
      preview,
      diff: same ? [] : withoutHash(diffLines(maskSecret(comparable(current)), maskSecret(comparable(preview)))),
      displacedManagers: displacedManagers(current, preview),
      checkedBy: 'dry-run',
    };
  };
  const decided = await mapLimit(desired, ctx.concurrency ?? 8, decide);
  const items = decided.filter((i): i is PlanItem => i !== undefined);
  for (const deferred of schemaDeferred) {
    const d = deferred.desired;
    const crd = items.find((i) => i.desired === crdInRender.get(kindKey(d.ref)));
    // The server judged by the CRD this sync leaves as it is: the manifest is wrong.
    if (!crd || crd.action === 'unchanged') {
      fail(d, 'PREFLIGHT_FAILED', deferred.message);
      continue;
    }
    const problem = await schema.check(d, desired, true);
    if (problem) fail(d, 'PREFLIGHT_FAILED', problem);
    else if (deferred.current) items.push({ desired: d, action: 'update', live: deferred.current, diff: [], displacedManagers: [], checkedBy: 'schema' });
    else items.push(createItem(d, { displacedManagers: [], checkedBy: 'schema' }));
  }
  const wanted = new Set(desired.map((d) => d.key));
  const prunes = (inventory?.entries ?? []).filter((e) => !wanted.has(refKey(e.ref)));
  return { items, prunes, inventory, failures, live };
}

export function toPlan(app: string, revision: Revision, detail: PlanDetail): Plan {
  const changes: PlannedChange[] = detail.items.map((item) => {
    const change: PlannedChange = { ref: item.desired.ref, action: item.action, origin: item.desired.origin };
    if (item.diff.length > 0) change.diff = item.diff.join('\n');
    if (item.displacedManagers.length > 0) change.displacedManagers = item.displacedManagers;
    return change;
  });
  const prunes: PlannedChange[] = detail.prunes.map((entry) => ({ ref: entry.ref, action: 'prune' }));
  return { app, revision, changes, prunes };
}
