import { isDriftlessError, where, type ErrorCode } from '../core/errors.ts';
import { refKey, refString } from '../core/objects.ts';
import type { Inventory, InventoryEntry, KubeObject, Plan, PlannedChange, Revision } from '../core/types.ts';
import type { AppConfig } from '../config/types.ts';
import type { ClusterClient, ResourceType } from '../ports/cluster.ts';
import { mapLimit } from '../apply/limit.ts';
import { comparable, deepEqual, diffLines, isSubset } from './compare.ts';
import type { DesiredObject } from './desired.ts';
import { displacedManagers, hasApplyEntry } from './managers.ts';
import { maskSecret } from './mask.ts';
import { SchemaChecker } from './schema-check.ts';
import { FIELD_MANAGER, trackedBy } from './stamp.ts';

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
  app: AppConfig;
  desired: DesiredObject[];
  inventory: Inventory | undefined;
  concurrency?: number;
}

function typeId(type: ResourceType): string {
  return `${type.group}/${type.version}/${type.kind}`;
}

/** One LIST per kind and namespace (cluster-wide for cluster-scoped kinds), unlabeled objects included. */
async function listLive(ctx: PlanContext): Promise<Map<string, KubeObject>> {
  const lists = new Map<string, { type: ResourceType; namespace?: string }>();
  for (const d of ctx.desired) {
    if (d.pendingCrd) continue;
    const namespace = d.type.namespaced ? d.ref.namespace : undefined;
    lists.set(`${typeId(d.type)}|${namespace ?? ''}`, namespace ? { type: d.type, namespace } : { type: d.type });
  }
  const live = new Map<string, KubeObject>();
  const results = await mapLimit([...lists.values()], ctx.concurrency ?? 8, (l) => ctx.cluster.list(l.type, l.namespace));
  for (const objects of results) {
    for (const obj of objects) {
      const group = obj.apiVersion.includes('/') ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/')) : '';
      const ref = obj.metadata.namespace ? { group, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' } : { group, kind: obj.kind, name: obj.metadata.name ?? '' };
      live.set(refKey(ref), obj);
    }
  }
  return live;
}

function unchangedByHash(d: DesiredObject, live: KubeObject, entry: InventoryEntry | undefined): boolean {
  if (!entry || entry.appliedHash !== d.hash || entry.apiVersion !== d.object.apiVersion) return false;
  if (live.metadata.deletionTimestamp) return false;
  return isSubset(d.object, live);
}

/**
 * Decides create / update / unchanged for each desired object. Unchanged by inventory hash and a
 * live subset check costs nothing; everything else gets a server-side-apply dry run, which is also
 * the preflight (objects that cannot be dry-run yet are schema-checked). Failures are collected,
 * not thrown, so one preflight names every bad object.
 */
export async function planChanges(ctx: PlanContext): Promise<PlanDetail> {
  const { cluster, app, desired, inventory } = ctx;
  // Index once: the lookups below run per object.
  const entries = new Map((inventory?.entries ?? []).map((e) => [refKey(e.ref), e]));
  const live = await listLive(ctx);
  const createdNamespaces = new Set(desired.filter((d) => d.ref.kind === 'Namespace' && d.ref.group === '' && !live.has(d.key)).map((d) => d.ref.name));
  const schema = new SchemaChecker(cluster);
  const failures: PreflightFailure[] = [];
  const fail = (d: DesiredObject, code: ErrorCode, message: string): undefined => {
    failures.push({ desired: d, code, message: `${where(d.origin.file, d.origin.line)}: ${message}` });
    return undefined;
  };
  const decide = async (d: DesiredObject): Promise<PlanItem | undefined> => {
    const current = live.get(d.key);
    if (current) {
      const owner = trackedBy(current);
      if (owner && owner !== app.name) return fail(d, 'OWNERSHIP_CONFLICT', `${refString(d.ref)} is managed by app "${owner}"; app "${app.name}" cannot take it over (remove it from one of the two apps)`);
      if (unchangedByHash(d, current, entries.get(d.key))) return { desired: d, action: 'unchanged', live: current, diff: [], displacedManagers: [], checkedBy: 'hash' };
    }
    if (!current && (d.pendingCrd || (d.ref.namespace !== undefined && createdNamespaces.has(d.ref.namespace)))) {
      const problem = await schema.check(d, desired);
      if (problem) return fail(d, 'PREFLIGHT_FAILED', problem);
      return { desired: d, action: 'create', diff: diffLines({}, maskSecret(d.object)), displacedManagers: [], checkedBy: 'schema' };
    }
    let preview: KubeObject;
    try {
      preview = await cluster.apply(d.type, d.object, { fieldManager: FIELD_MANAGER, force: app.force, dryRun: true });
    } catch (err) {
      if (isDriftlessError(err) && (err.code === 'APPLY_FAILED' || err.code === 'APPLY_CONFLICT')) return fail(d, err.code === 'APPLY_CONFLICT' ? 'APPLY_CONFLICT' : 'PREFLIGHT_FAILED', err.message);
      throw err;
    }
    if (!current) return { desired: d, action: 'create', preview, diff: diffLines({}, maskSecret(d.object)), displacedManagers: [], checkedBy: 'dry-run' };
    const same = deepEqual(comparable(preview), comparable(current)) && hasApplyEntry(current);
    return {
      desired: d,
      action: same ? 'unchanged' : 'update',
      live: current,
      preview,
      diff: same ? [] : diffLines(maskSecret(comparable(current)), maskSecret(comparable(preview))),
      displacedManagers: displacedManagers(current, preview),
      checkedBy: 'dry-run',
    };
  };
  const decided = await mapLimit(desired, ctx.concurrency ?? 8, decide);
  const items = decided.filter((i): i is PlanItem => i !== undefined);
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
