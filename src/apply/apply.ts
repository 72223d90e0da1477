import { DriftlessError, isDriftlessError, where } from '../core/errors.ts';
import { crdServedKind, kindKey, refString } from '../core/objects.ts';
import { sleep as realSleep } from '../core/retry.ts';
import type { KubeObject, ObjectOutcome } from '../core/types.ts';
import type { ClusterClient } from '../ports/cluster.ts';
import type { PlanItem } from '../plan/plan.ts';
import { displacedManagers } from '../plan/managers.ts';
import { FIELD_MANAGER } from '../core/labels.ts';
import { waitEstablished } from '../health/wait.ts';
import type { ProgressListener } from '../core/progress.ts';
import { mapLimit } from '../core/limit.ts';
import { migrationPatch } from './migrate.ts';
import { byStep } from './order.ts';

export interface AppliedItem {
  item: PlanItem;
  outcome: ObjectOutcome;
  /** The object as the server stored it. */
  result?: KubeObject;
  displacedManagers: string[];
  error?: DriftlessError;
}

export interface ApplyContext {
  cluster: ClusterClient;
  items: PlanItem[];
  /** Take fields other managers own (server-side apply force). */
  force: boolean;
  /** Applies in flight within one step; default 8. */
  concurrency?: number;
  /** How long CRDs applied in this sync may take to become Established. */
  establishTimeoutMs: number;
  /**
   * Right after this sync created or changed a CRD, the server may still judge its custom resources
   * by the old schema: a schema mismatch on them is retried this often, this far apart (default 5 × 1 s).
   */
  schemaLag?: { attempts: number; delayMs: number };
  onProgress?: ProgressListener;
  now?: () => Date;
  /** Poll interval while waiting for CRDs to be Established. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ApplyOutcome {
  results: AppliedItem[];
  failed: boolean;
}

/**
 * Real applies validate strictly too: with the server's default (Warn) a field its schema does not
 * declare is dropped silently, so the live object never matches Git and every sync updates it again.
 * Preflight already dry-ran the same body with Strict, so this only refuses what could not be dry-run.
 */
async function applyStrict(ctx: ApplyContext, item: PlanItem, freshKinds: ReadonlySet<string>): Promise<KubeObject> {
  const d = item.desired;
  const lag = freshKinds.has(kindKey(d.ref)) ? (ctx.schemaLag ?? { attempts: 5, delayMs: 1000 }) : { attempts: 0, delayMs: 0 };
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.cluster.apply(d.type, d.object, { fieldManager: FIELD_MANAGER, force: ctx.force, fieldValidation: 'Strict' });
    } catch (err) {
      // Only the CRD this sync just applied excuses a schema mismatch: the server's copy may lag.
      if (!isDriftlessError(err) || err.details.schemaMismatch !== true || attempt >= lag.attempts) throw err;
      await (ctx.sleep ?? realSleep)(lag.delayMs);
    }
  }
}

async function applyOne(ctx: ApplyContext, item: PlanItem, freshKinds: ReadonlySet<string>): Promise<AppliedItem> {
  const { cluster } = ctx;
  const d = item.desired;
  try {
    let before = item.live;
    const migration = before ? migrationPatch(before, (ctx.now?.() ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z')) : undefined;
    if (before && migration) before = await cluster.patchJson(d.type, d.ref.name, d.ref.namespace, migration.operations);
    const result = await applyStrict(ctx, item, freshKinds);
    const displaced = [...new Set([...(migration?.migrated ?? []), ...displacedManagers(item.live, result)])].sort();
    ctx.onProgress?.({ type: 'object', phase: 'apply', ref: d.ref, outcome: item.action === 'create' ? 'created' : 'updated', ...(displaced.length ? { message: `took fields from ${displaced.join(', ')}` } : {}) });
    return { item, outcome: 'applied', result, displacedManagers: displaced };
  } catch (err) {
    if (!isDriftlessError(err)) throw err;
    const error = new DriftlessError(err.code === 'APPLY_CONFLICT' || err.code === 'ADMISSION_DENIED' ? err.code : err.transient || err.code.startsWith('CLUSTER_') ? err.code : 'APPLY_FAILED', `${where(d.origin.file, d.origin.line)}: ${err.message}`, { ...err.details, file: d.origin.file, object: refString(d.ref) }, { cause: err });
    ctx.onProgress?.({ type: 'object', phase: 'apply', ref: d.ref, outcome: 'failed', message: error.message });
    return { item, outcome: 'failed', displacedManagers: [], error };
  }
}

/**
 * Applies what the plan says changed, step by step (Namespaces, CRDs then wait Established, RBAC,
 * config, workloads, the rest) with bounded concurrency within a step. A failed step stops the
 * following ones; the caller must then not prune.
 */
export async function applyPlan(ctx: ApplyContext): Promise<ApplyOutcome> {
  const results: AppliedItem[] = ctx.items.filter((i) => i.action === 'unchanged').map((item) => ({ item, outcome: 'unchanged', ...(item.live ? { result: item.live } : {}), displacedManagers: [] }));
  const pending = ctx.items.filter((i) => i.action !== 'unchanged');
  let failed = false;
  // Kinds served by a CRD this sync created or changed.
  const freshKinds = new Set<string>();
  for (const step of byStep(pending, (i) => i.desired.ref)) {
    if (failed) {
      for (const item of step) results.push({ item, outcome: 'skipped', displacedManagers: [] });
      continue;
    }
    const done = await mapLimit(step, ctx.concurrency ?? 8, (item) => applyOne(ctx, item, freshKinds));
    results.push(...done);
    if (done.some((r) => r.outcome === 'failed')) {
      failed = true;
      continue;
    }
    const crds = done.filter((r) => r.item.desired.ref.kind === 'CustomResourceDefinition' && r.item.desired.ref.group === 'apiextensions.k8s.io');
    for (const r of crds) {
      const served = crdServedKind(r.item.desired.object);
      if (served) freshKinds.add(served);
    }
    if (crds.length > 0) {
      const problem = await waitEstablished(ctx.cluster, crds.map((r) => r.item.desired), {
        timeoutMs: ctx.establishTimeoutMs,
        pollMs: ctx.pollMs ?? 500,
        ...(ctx.sleep ? { sleep: ctx.sleep } : {}),
      });
      if (problem) {
        failed = true;
        for (const r of crds) {
          r.outcome = 'failed';
          r.error = new DriftlessError('HEALTH_TIMEOUT', problem, { file: r.item.desired.origin.file, object: refString(r.item.desired.ref) });
        }
      }
    }
  }
  return { results, failed };
}
