import type { SyncResult } from '../../core/types.ts';

export const maxDescription = 140;

/** GitHub rejects descriptions over 140 characters (422); cut at a code point and mark the cut. */
export function truncateDescription(text: string, max = maxDescription): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line for a commit status or deployment status: what the sync did, or its first error. */
export function summarizeSync(result: SyncResult): string {
  const short = result.revision.sha.slice(0, 7);
  const total = result.objects.length;
  const pruned = result.pruned.length;
  let text: string;
  switch (result.status) {
    case 'Synced': {
      const changed = result.objects.filter((o) => o.outcome === 'applied').length;
      text = `Synced ${plural(total, 'object')} (${changed} changed, ${pruned} pruned) at ${short}`;
      break;
    }
    case 'DryRun': {
      const changes = result.objects.filter((o) => o.action === 'create' || o.action === 'update').length;
      const prunes = result.objects.filter((o) => o.action === 'prune').length || pruned;
      text = `Dry run at ${short}: ${changes} to change, ${prunes} to prune of ${plural(total, 'object')}`;
      break;
    }
    case 'Degraded': {
      const unhealthy = result.objects.filter((o) => o.health === 'Degraded' || o.health === 'Progressing' || o.health === 'Missing').length;
      const first = result.errors[0];
      text = `Degraded at ${short}: ${plural(unhealthy, 'object')} not healthy${first ? `: ${first.message}` : ''}`;
      break;
    }
    case 'Failed': {
      const first = result.errors[0];
      const more = result.errors.length > 1 ? ` (+${result.errors.length - 1} more)` : '';
      text = first ? `Failed at ${short}: ${first.code}${first.file ? ` in ${first.file}` : ''}${more}: ${first.message}` : `Failed at ${short}`;
      break;
    }
  }
  return truncateDescription(text);
}
