import type { Revision } from '../core/types.ts';
import type { Source, SourceTree } from '../ports/source.ts';

/**
 * What the apps of one drift run share: apps of the same repository resolve its branch head and
 * read a revision's tree once per run, not once per app (git processes or GitHub API calls).
 * Failures are not kept, so one app's transient failure is not every app's. A cache lives for
 * one run only: the next run must see a branch that moved.
 */
export interface DriftRunCache {
  /** The source as the apps of this run share it. */
  source(source: Source): Source;
}

export function createDriftRunCache(): DriftRunCache {
  const memo = new WeakMap<Source, Source>();
  const once = <T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> => {
    let value = cache.get(key);
    if (!value) {
      value = make();
      cache.set(key, value);
      value.catch(() => cache.delete(key));
    }
    return value;
  };
  return {
    source(source) {
      let shared = memo.get(source);
      if (!shared) {
        const heads = new Map<string, Promise<Revision>>();
        const trees = new Map<string, Promise<SourceTree>>();
        shared = { resolve: (ref) => once(heads, ref, () => source.resolve(ref)), tree: (revision) => once(trees, revision.sha, () => source.tree(revision)) };
        memo.set(source, shared);
      }
      return shared;
    },
  };
}
