import { DriftlessError, isDriftlessError, where } from '../core/errors.ts';
import { refString } from '../core/objects.ts';
import type { KubeObject, ObjectOutcome } from '../core/types.ts';
import type { AppConfig } from '../config/types.ts';
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
  app: AppConfig;
  items: PlanItem[];
  concurrency?: number;
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

async function applyOne(ctx: ApplyContext, item: PlanItem): Promise<AppliedItem> {
  const { cluster, app } = ctx;
  const d = item.desired;
  try {
    let before = item.live;
    const migration = before ? migrationPatch(before, (ctx.now?.() ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z')) : undefined;
    if (before && migration) before = await cluster.patchJson(d.type, d.ref.name, d.ref.namespace, migration.operations);
    const result = await cluster.apply(d.type, d.object, { fieldManager: FIELD_MANAGER, force: app.force });
    const displaced = [...new Set([...(migration?.migrated ?? []), ...displacedManagers(item.live, result)])].sort();
    ctx.onProgress?.({ type: 'object', phase: 'apply', ref: d.ref, outcome: item.action === 'create' ? 'created' : 'updated', ...(displaced.length ? { message: `took fields from ${displaced.join(', ')}` } : {}) });
    return { item, outcome: 'applied', result, displacedManagers: displaced };
  } catch (err) {
    if (!isDriftlessError(err)) throw err;
    const error = new DriftlessError(err.code === 'APPLY_CONFLICT' ? 'APPLY_CONFLICT' : err.transient || err.code.startsWith('CLUSTER_') ? err.code : 'APPLY_FAILED', `${where(d.origin.file, d.origin.line)}: ${err.message}`, { ...err.details, file: d.origin.file, object: refString(d.ref) }, { cause: err });
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
  for (const step of byStep(pending, (i) => i.desired.ref)) {
    if (failed) {
      for (const item of step) results.push({ item, outcome: 'skipped', displacedManagers: [] });
      continue;
    }
    const done = await mapLimit(step, ctx.concurrency ?? ctx.app.concurrency ?? 8, (item) => applyOne(ctx, item));
    results.push(...done);
    if (done.some((r) => r.outcome === 'failed')) {
      failed = true;
      continue;
    }
    const crds = done.filter((r) => r.item.desired.ref.kind === 'CustomResourceDefinition' && r.item.desired.ref.group === 'apiextensions.k8s.io');
    if (crds.length > 0) {
      const problem = await waitEstablished(ctx.cluster, crds.map((r) => r.item.desired), {
        timeoutMs: ctx.app.healthTimeoutSeconds * 1000,
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
