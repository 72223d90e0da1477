import { refString } from '../../core/objects.ts';
import { where } from '../../core/errors.ts';
import type { Plan, SyncResult } from '../../core/types.ts';
import type { ProgressEvent } from '../../core/progress.ts';

/** Progress lines for stderr. */
export function formatProgress(event: ProgressEvent): string {
  if (event.type === 'phase') return `[${event.phase}] ${event.message}\n`;
  if (event.type === 'retry') return `[retry] ${event.message}\n`;
  return `  ${event.outcome.padEnd(9)} ${refString(event.ref)}${event.message ? ` (${event.message})` : ''}\n`;
}

export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  for (const change of plan.changes) {
    if (change.action === 'unchanged') continue;
    const from = change.origin ? ` (${where(change.origin.file, change.origin.line)})` : '';
    lines.push(`${change.action === 'create' ? '+' : '~'} ${change.action} ${refString(change.ref)}${from}`);
    if (change.displacedManagers?.length) lines.push(`    takes fields from: ${change.displacedManagers.join(', ')}`);
    for (const line of (change.diff ?? '').split('\n').filter(Boolean)) lines.push(`    ${line}`);
  }
  for (const prune of plan.prunes) lines.push(`- prune ${refString(prune.ref)}`);
  const count = (a: string): number => plan.changes.filter((c) => c.action === a).length;
  lines.push(`${plan.app} at ${plan.revision.sha.slice(0, 12)}: ${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged, ${plan.prunes.length} to prune`);
  return `${lines.join('\n')}\n`;
}

export function formatResult(result: SyncResult): string {
  const lines: string[] = [];
  const count = (o: string): number => result.objects.filter((x) => x.outcome === o).length;
  lines.push(`${result.app} ${result.status} at ${result.revision.sha ? result.revision.sha.slice(0, 12) : result.revision.ref}: ${count('applied')} applied, ${count('unchanged')} unchanged, ${result.pruned.length} pruned, health ${result.health}`);
  if (result.displacedManagers.length) lines.push(`took fields over from: ${result.displacedManagers.join(', ')}`);
  for (const error of result.errors) lines.push(`error [${error.code}]: ${error.message}`);
  return `${lines.join('\n')}\n`;
}
