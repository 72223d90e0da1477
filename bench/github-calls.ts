/**
 * GitHub API calls per push for a 200-file repository, cold and warm (issue 5, part 8):
 * `node --import tsx bench/github-calls.ts`. Runs the GitHub source against the stand-in over loopback.
 */
import { createGitHubSource } from '../src/adapters/github/source.ts';
import { createMemoryContentCache } from '../src/adapters/github/memory-cache.ts';
import { startGitHubStandin } from '../test/support/github-standin/index.ts';
import { createTestRepo } from '../test/support/github-standin/fixture.ts';
import type { FileChange } from '../test/support/github-standin/fixture.ts';

export interface GitHubCallFigures {
  files: number;
  changedFiles: number;
  /** First sync with an empty cache: resolve + tree + every blob. */
  cold: number;
  /** Sync after a push changing `changedFiles` files. */
  warm: number;
  /** Poll with nothing new: calls made, and how many of them counted against the rate limit. */
  unchanged: number;
  unchangedCounted: number;
  coldMs: number;
  warmMs: number;
}

export async function measureGitHubCalls(files = 200, changedFiles = 3): Promise<GitHubCallFigures> {
  const initial: Record<string, FileChange> = {};
  for (let i = 0; i < files; i++) initial[`apps/app${i % 10}/file${i}.yaml`] = `kind: ConfigMap\nmetadata:\n  name: c${i}\n`;
  const git = createTestRepo(initial);
  const gh = await startGitHubStandin({ repos: { 'bench/repo': git.dir }, tokens: ['bench'] });
  try {
    const source = createGitHubSource({ owner: 'bench', repo: 'repo', apiUrl: gh.apiUrl, auth: { token: 'bench' }, cache: createMemoryContentCache() });
    const sync = async (): Promise<{ calls: number; counted: number; ms: number }> => {
      gh.resetCalls();
      const t0 = performance.now();
      const tree = await source.tree(await source.resolve('main'));
      await Promise.all((await tree.entries()).map((e) => tree.read(e.path)));
      const calls = gh.calls();
      return { calls: calls.length, counted: calls.filter((c) => c.status !== 304).length, ms: Math.round(performance.now() - t0) };
    };
    const cold = await sync();
    const change: Record<string, FileChange> = {};
    for (let i = 0; i < changedFiles; i++) change[`apps/app${i % 10}/file${i}.yaml`] = `kind: ConfigMap\nmetadata:\n  name: changed${i}\n`;
    git.commit(change);
    const warm = await sync();
    const unchanged = await sync();
    return { files, changedFiles, cold: cold.calls, warm: warm.calls, unchanged: unchanged.calls, unchangedCounted: unchanged.counted, coldMs: cold.ms, warmMs: warm.ms };
  } finally {
    await gh.stop();
    git.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measureGitHubCalls();
  console.log(JSON.stringify(figures, null, 2));
}
