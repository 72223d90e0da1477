import type { Octokit } from '@octokit/rest';
import { DriftlessError } from '../../core/errors.ts';
import type { TreeEntry } from '../../ports/source.ts';

export interface RawEntry {
  path: string;
  mode: string;
  type: string;
  sha: string;
}

interface Ctx {
  octokit: Octokit;
  owner: string;
  repo: string;
}

async function getTree(ctx: Ctx, sha: string, recursive: boolean): Promise<{ truncated: boolean; tree: RawEntry[] }> {
  const res = await ctx.octokit.git.getTree({ owner: ctx.owner, repo: ctx.repo, tree_sha: sha, ...(recursive ? { recursive: '1' } : {}) });
  return { truncated: res.data.truncated, tree: res.data.tree };
}

/**
 * The full recursive listing of a commit's tree. One call unless GitHub truncates it (100,000 entries
 * or 7 MB); then subtrees are walked: each one recursively, falling back to one level at a time.
 */
export async function listRecursive(ctx: Ctx, commitSha: string): Promise<RawEntry[]> {
  const first = await getTree(ctx, commitSha, true);
  if (!first.truncated) return first.tree;
  return walk(ctx, commitSha, '', undefined);
}

async function walk(ctx: Ctx, treeSha: string, prefix: string, recursive: { truncated: boolean; tree: RawEntry[] } | undefined): Promise<RawEntry[]> {
  const attempt = recursive ?? (prefix === '' ? undefined : await getTree(ctx, treeSha, true));
  if (attempt && !attempt.truncated) return attempt.tree.map((e) => ({ ...e, path: `${prefix}${e.path}` }));
  const level = await getTree(ctx, treeSha, false);
  if (level.truncated) {
    throw new DriftlessError('SOURCE_INVALID', `Directory ${prefix || '/'} of ${ctx.owner}/${ctx.repo} has too many entries for the GitHub tree API even one level at a time; split it or point the app at a smaller path`, { file: prefix || '/' });
  }
  const out: RawEntry[] = [];
  for (const entry of level.tree) {
    const path = `${prefix}${entry.path}`;
    out.push({ ...entry, path });
    if (entry.type === 'tree') out.push(...(await walk(ctx, entry.sha, `${path}/`, undefined)));
  }
  return out;
}

/** Maps Git modes to Source entries; trees are implied by their files. Symlink targets come later. */
export function toEntries(raw: RawEntry[]): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const e of raw) {
    if (e.mode === '120000') entries.push({ path: e.path, type: 'symlink', sha: e.sha });
    else if (e.mode === '160000' || e.type === 'commit') entries.push({ path: e.path, type: 'submodule', sha: e.sha });
    else if (e.type === 'blob') entries.push({ path: e.path, type: 'file', sha: e.sha });
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
