import { isDriftlessError } from '../core/errors.ts';
import { classify } from '../core/retry.ts';
import { refString } from '../core/objects.ts';
import type { HealthStatus, ObjectResult, SyncError } from '../core/types.ts';
import type { AppliedItem } from '../apply/apply.ts';
import type { PruneResult } from '../apply/prune.ts';
import type { HealthVerdict } from '../health/assess.ts';

export function toSyncError(err: unknown): SyncError {
  if (isDriftlessError(err)) {
    const out: SyncError = { code: err.code, message: err.message };
    if (typeof err.details.object === 'string') out.object = err.details.object;
    if (typeof err.details.file === 'string') out.file = err.details.file;
    const verdict = classify(err);
    if (verdict.transient) out.transient = true;
    if (verdict.retryAfterMs !== undefined) out.retryAfterMs = verdict.retryAfterMs;
    return out;
  }
  const verdict = classify(err);
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), ...(verdict.transient ? { transient: true } : {}) };
}

export function objectResult(applied: AppliedItem, health?: HealthVerdict): ObjectResult {
  const { item } = applied;
  const out: ObjectResult = { ref: item.desired.ref, action: item.action, outcome: applied.outcome, origin: item.desired.origin };
  if (applied.displacedManagers.length > 0) out.displacedManagers = applied.displacedManagers;
  if (health) out.health = health.status;
  const message = applied.error?.message ?? (health && health.status !== 'Healthy' ? health.message : undefined);
  if (message) out.message = message;
  return out;
}

export function pruneResult(result: PruneResult): ObjectResult {
  const out: ObjectResult = { ref: result.entry.ref, action: 'prune', outcome: result.outcome };
  if (result.message) out.message = result.message;
  return out;
}

const rank: Record<HealthStatus, number> = { Healthy: 0, Unknown: 1, Progressing: 2, Missing: 3, Degraded: 4 };

export function worstHealth(verdicts: Iterable<HealthVerdict>): HealthStatus {
  let worst: HealthStatus = 'Healthy';
  for (const v of verdicts) if (rank[v.status] > rank[worst]) worst = v.status;
  return worst;
}

export function healthErrors(applied: AppliedItem[], verdicts: Map<string, HealthVerdict>, timeoutSeconds: number): SyncError[] {
  const errors: SyncError[] = [];
  for (const a of applied) {
    const v = verdicts.get(a.item.desired.key);
    if (!v || v.status === 'Healthy') continue;
    const object = refString(a.item.desired.ref);
    if (v.status === 'Degraded') errors.push({ code: 'HEALTH_FAILED', message: `${object}: ${v.message ?? 'unhealthy'}`, object, file: a.item.desired.origin.file });
    else errors.push({ code: 'HEALTH_TIMEOUT', message: `${object} not healthy after ${timeoutSeconds}s: ${v.message ?? v.status}`, object, file: a.item.desired.origin.file });
  }
  return errors;
}
