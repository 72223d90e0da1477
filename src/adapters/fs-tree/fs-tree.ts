import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DriftlessError } from '../../core/errors.ts';
import type { Revision } from '../../core/types.ts';
import type { SourceTree, TreeEntry } from '../../ports/source.ts';
import { normalizeRepoPath } from '../../core/paths.ts';
import { parentOf } from '../../render/paths.ts';

export const worktreeRevision: Revision = { ref: 'worktree', sha: '' };

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

export interface FsTreeOptions {
  /** Folder names never listed (default `.git` and `node_modules`: a render never reads them, and listing them is slow). */
  skipFolders?: string[];
}

/**
 * A folder on disk seen as a SourceTree (for `driftless render`): the same entries a Git tree
 * would list. A nested folder holding `.git` is a submodule (or a nested repository), which
 * the renderers refuse to read into.
 */
export function createFsTree(root: string, options: FsTreeOptions = {}): SourceTree {
  const skip = new Set(options.skipFolders ?? ['.git', 'node_modules']);
  const absoluteRoot = resolve(root);
  let cached: Promise<TreeEntry[]> | undefined;

  async function linkTarget(path: string, absolute: string): Promise<string> {
    const target = await readlink(absolute);
    if (!isAbsolute(target)) return toPosix(target);
    // Git would store the text; an absolute link into the root is rewritten so that it resolves the same way.
    const inside = relative(absoluteRoot, target);
    if (inside.startsWith('..') || isAbsolute(inside)) return toPosix(target);
    const fromDir = relative(join(absoluteRoot, parentOf(path)), target);
    return toPosix(fromDir === '' ? '.' : fromDir);
  }

  async function walk(dir: string, out: TreeEntry[]): Promise<void> {
    let listing: Dirent[];
    try {
      listing = await readdir(join(absoluteRoot, dir), { withFileTypes: true });
    } catch (err) {
      throw new DriftlessError('SOURCE_UNAVAILABLE', `Cannot read the folder ${join(absoluteRoot, dir)}: ${(err as Error).message}`, { file: dir || '.' });
    }
    for (const item of listing) {
      if (item.name === '.git' || (item.isDirectory() && skip.has(item.name))) continue;
      const path = dir === '' ? item.name : `${dir}/${item.name}`;
      const absolute = join(absoluteRoot, path);
      if (item.isSymbolicLink()) out.push({ path, type: 'symlink', target: await linkTarget(path, absolute) });
      else if (item.isFile()) out.push({ path, type: 'file' });
      else if (item.isDirectory()) {
        const nested = await lstat(join(absolute, '.git')).then(
          () => true,
          () => false,
        );
        if (nested) out.push({ path, type: 'submodule' });
        else await walk(path, out);
      }
    }
  }

  return {
    revision: worktreeRevision,
    entries(): Promise<TreeEntry[]> {
      cached ??= (async () => {
        const out: TreeEntry[] = [];
        await walk('', out);
        return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      })();
      return cached;
    },
    async read(path: string): Promise<Uint8Array> {
      const normalized = normalizeRepoPath(path);
      if (normalized === undefined || normalized === '') throw new DriftlessError('SOURCE_INVALID', `${path} is not a file inside ${absoluteRoot}.`, { file: path });
      const absolute = join(absoluteRoot, normalized);
      const stat = await lstat(absolute).catch(() => undefined);
      if (!stat?.isFile()) throw new DriftlessError('SOURCE_INVALID', `${normalized} is not a regular file in ${absoluteRoot}.`, { file: normalized });
      return new Uint8Array(await readFile(absolute));
    },
  };
}
