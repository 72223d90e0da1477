import { ApiError, type Obj } from '../../contracts.ts';
import { CelCompileError, compile, toCel } from '../cel/env.ts';
import { qualified } from '../status.ts';
import type { Cluster } from '../cluster.ts';
import { authorizerFor, requestOf, webhookConditionVariables, type PolicyAttributes } from './policy.ts';

/**
 * A webhook's `matchConditions` (apiserver webhook/matchconditions/matcher.go): any condition that
 * is false skips the webhook; otherwise evaluation errors follow its failurePolicy (Fail: the real
 * 403 naming the expression, Ignore: skipped). `authorizer` answers from the cluster's RBAC.
 */
export function webhookConditionsMatch(cluster: Cluster, hook: Obj, a: PolicyAttributes): boolean {
  const conditions = Array.isArray(hook.matchConditions) ? (hook.matchConditions as Obj[]) : [];
  if (conditions.length === 0) return true;
  const vars = { object: toCel(a.object ?? null), oldObject: toCel(a.oldObject ?? null), request: toCel(requestOf(a)), authorizer: authorizerFor(cluster, a) };
  const errors: string[] = [];
  for (const c of conditions) {
    const expression = String(c.expression ?? '');
    try {
      const result = compile(expression, webhookConditionVariables).run(vars);
      if (result === false) return false;
      if (result !== true) errors.push(`expression '${expression}' resulted in error: cel expression must evaluate to a bool`);
    } catch (err) {
      errors.push(err instanceof CelCompileError ? err.message : `expression '${expression}' resulted in error: ${(err as Error).message}`);
    }
  }
  if (errors.length === 0) return true;
  if (hook.failurePolicy === 'Ignore') return false;
  const why = errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
  throw new ApiError(403, 'Forbidden', `${qualified(a.info)} "${a.name}" is forbidden: ${why}`, { name: a.name, group: a.info.group, kind: a.info.resource });
}
