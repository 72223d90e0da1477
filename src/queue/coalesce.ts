import type { SyncRequest } from '../ports/queue.ts';

/**
 * Folds `next` into `pending` when both mean "bring the app to its branch head" with the same
 * options: the worker resolves the head when it runs, so one run serves both. Explicit
 * revisions and dry runs never fold, so they run in the order they were asked for.
 */
export function mergeRequests(pending: SyncRequest, next: SyncRequest): SyncRequest | undefined {
  if (pending.app !== next.app) return undefined;
  if (pending.revision !== undefined || next.revision !== undefined) return undefined;
  if (Boolean(pending.dryRun) !== Boolean(next.dryRun) || pending.prune !== next.prune) return undefined;
  // Either one needs no resolve job: the merged run is unconditional. Both do: compare across both.
  const onlyIfChanged = pending.onlyIfChanged && next.onlyIfChanged
    ? { from: pending.onlyIfChanged.from, to: next.onlyIfChanged.to }
    : undefined;
  const merged: SyncRequest = { ...pending, trigger: next.trigger, atLeast: next.atLeast ?? pending.atLeast };
  if (onlyIfChanged) merged.onlyIfChanged = onlyIfChanged;
  else delete merged.onlyIfChanged;
  return merged;
}
