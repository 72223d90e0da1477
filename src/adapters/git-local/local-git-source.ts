import { resolve as resolvePath } from 'node:path';
import { DriftlessError } from '../../core/errors.ts';
import type { Revision } from '../../core/types.ts';
import type { Source, SourceTree, TreeEntry } from '../../ports/source.ts';
import { createCatFileSession } from './cat-file-session.ts';
import { catFileBatch, git, isGitFailure, unavailable } from './git.ts';

const fullSha = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Candidates in the order git users expect: branch, then tag, then a remote branch, then anything rev-parse takes. */
function candidatesFor(ref: string): string[] {
  if (fullSha.test(ref)) return [ref];
  if (ref.startsWith('refs/') || ref === 'HEAD') return [ref];
  return [`refs/heads/${ref}`, `refs/tags/${ref}`, `refs/remotes/origin/${ref}`, ref];
}

/** `ls-tree -l` rows: "<mode> <type> <sha> <size padded>\t<path>". */
function parseLsTree(out: Buffer): Array<{ mode: string; sha: string; path: string; size?: number }> {
  const rows: Array<{ mode: string; sha: string; path: string; size?: number }> = [];
  for (const record of out.toString('utf8').split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode = '', , sha = '', sizeText = '-'] = record.slice(0, tab).split(/ +/);
    const size = Number(sizeText);
    rows.push(Number.isFinite(size) ? { mode, sha, path: record.slice(tab + 1), size } : { mode, sha, path: record.slice(tab + 1) });
  }
  return rows;
}

/**
 * Reads a tree's blobs lazily and in bulk: reads requested in the same turn of the event loop
 * go to `git cat-file --batch` together, and one such process answers every batch while reads
 * keep coming (apps rendered from one tree in a drift run share it).
 */
function blobLoader(repo: string): (sha: string) => Promise<Uint8Array> {
  const cache = new Map<string, Promise<Uint8Array>>();
  const session = createCatFileSession(repo);
  let pending = new Map<string, { resolve: (bytes: Uint8Array) => void; reject: (err: unknown) => void }>();
  const flush = (): void => {
    const batch = pending;
    pending = new Map();
    session.read([...batch.keys()]).then(
      (objects) => {
        for (const [sha, waiter] of batch) {
          const object = objects.get(sha);
          if (object) waiter.resolve(new Uint8Array(object.content));
          else waiter.reject(new DriftlessError('SOURCE_INVALID', `Git object ${sha} is missing from ${repo}.`));
        }
      },
      (err: unknown) => {
        for (const [sha, waiter] of batch) {
          cache.delete(sha);
          waiter.reject(unavailable(repo, err));
        }
      },
    );
  };
  return (sha) => {
    const cached = cache.get(sha);
    if (cached) return cached;
    const promise = new Promise<Uint8Array>((resolve, reject) => {
      if (pending.size === 0) setImmediate(flush);
      pending.set(sha, { resolve, reject });
    });
    cache.set(sha, promise);
    return promise;
  };
}

/**
 * Fails unless `repoPath` is the top level of a git repository: SOURCE_UNAVAILABLE when it cannot
 * be read as one, SOURCE_INVALID when it is a folder inside another repository. The one check both
 * a sync and `driftless validate` run.
 */
export async function checkRepositoryRoot(repoPath: string): Promise<void> {
  const repo = resolvePath(repoPath);
  let out: Buffer;
  try {
    out = await git(repo, ['rev-parse', '--show-prefix']);
  } catch (err) {
    throw unavailable(repo, err);
  }
  // git accepts any folder inside a work tree and would read the enclosing repository instead.
  const prefix = out.toString('utf8').trim();
  if (prefix !== '') {
    throw new DriftlessError('SOURCE_INVALID', `${repo} is the folder ${prefix.replace(/\/$/, '')} inside another git repository, not a repository of its own; point the repository's git: at the repository's top level (and the app's path at the folder), or run git init there.`, { repository: repo });
  }
}

/** A local Git repository as a Source, read through the git CLI without a checkout. */
export function createLocalGitSource(repoPath: string): Source {
  const repo = resolvePath(repoPath);
  let checked: Promise<void> | undefined;
  const ensureRepository = (): Promise<void> => {
    checked ??= checkRepositoryRoot(repo).catch((err: unknown) => {
      checked = undefined;
      throw err;
    });
    return checked;
  };

  return {
    async resolve(ref: string): Promise<Revision> {
      await ensureRepository();
      const tried = candidatesFor(ref);
      if (ref === '' || ref.startsWith('-')) {
        throw new DriftlessError('REVISION_NOT_FOUND', `"${ref}" is not a branch, tag or commit name.`, { repository: repo, ref });
      }
      for (const candidate of tried) {
        try {
          const out = await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${candidate}^{commit}`]);
          const sha = out.toString('utf8').trim();
          if (fullSha.test(sha)) return { ref, sha };
        } catch (err) {
          if (!isGitFailure(err) || err.code === 'ENOENT') throw unavailable(repo, err);
        }
      }
      throw new DriftlessError('REVISION_NOT_FOUND', `No branch, tag or commit "${ref}" in ${repo} (tried ${tried.join(', ')}). Push it, or check the app's branch/revision.`, {
        repository: repo,
        ref,
        tried,
      });
    },

    async tree(revision: Revision): Promise<SourceTree> {
      await ensureRepository();
      let listing: Buffer;
      try {
        listing = await git(repo, ['ls-tree', '-r', '-z', '-l', '--full-tree', '--end-of-options', revision.sha]);
      } catch (err) {
        if (isGitFailure(err) && err.code !== 'ENOENT') {
          throw new DriftlessError('REVISION_NOT_FOUND', `Commit ${revision.sha} (${revision.ref}) is not in ${repo}: ${err.stderr}`, { repository: repo, ref: revision.ref });
        }
        throw unavailable(repo, err);
      }
      const rows = parseLsTree(listing);
      const blobs = new Map<string, string>();
      const entries: TreeEntry[] = [];
      const links = rows.filter((row) => row.mode === '120000');
      const targets = links.length > 0 ? await catFileBatch(repo, links.map((row) => row.sha)).catch((err: unknown) => Promise.reject(unavailable(repo, err))) : new Map();
      for (const row of rows) {
        if (row.mode === '160000') entries.push({ path: row.path, type: 'submodule', sha: row.sha });
        else if (row.mode === '120000') entries.push({ path: row.path, type: 'symlink', sha: row.sha, target: targets.get(row.sha)?.content.toString('utf8') ?? '' });
        else {
          entries.push(row.size === undefined ? { path: row.path, type: 'file', sha: row.sha } : { path: row.path, type: 'file', sha: row.sha, size: row.size });
          blobs.set(row.path, row.sha);
        }
      }
      entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      // One loader per tree: its cache goes away with the tree, so a long-running server does not grow.
      const load = blobLoader(repo);
      return {
        revision,
        entries: () => Promise.resolve(entries),
        read(path: string): Promise<Uint8Array> {
          const sha = blobs.get(path);
          if (!sha) return Promise.reject(new DriftlessError('SOURCE_INVALID', `${path} is not a file at ${revision.ref} (${revision.sha.slice(0, 12)}).`, { file: path }));
          return load(sha);
        },
      };
    },

    async changedPaths(from: string, to: string): Promise<string[] | undefined> {
      await ensureRepository();
      if (/^0+$/.test(from)) return undefined;
      try {
        const out = await git(repo, ['diff', '--name-only', '--no-renames', '-z', '--end-of-options', from, to, '--']);
        return out.toString('utf8').split('\0').filter((path) => path !== '');
      } catch (err) {
        // A commit gone from the repository (force push, gc): the caller treats everything as changed.
        if (isGitFailure(err) && err.code !== 'ENOENT') return undefined;
        throw unavailable(repo, err);
      }
    },
  };
}
