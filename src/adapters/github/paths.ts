import { DriftlessError } from '../../core/errors.ts';
import { normalizeRepoPath } from '../../core/paths.ts';
import type { TreeEntry } from '../../ports/source.ts';

/**
 * Follows symlinks (in any path component) within the repository. Links that point outside it are
 * refused (PATH_ESCAPE); paths inside a submodule are refused (SOURCE_INVALID) because driftless
 * reads one repository at one commit.
 */
export function resolveEntry(byPath: Map<string, TreeEntry>, requested: string, repo: string): TreeEntry {
  const start = normalizeRepoPath(requested);
  if (start === undefined) throw new DriftlessError('PATH_ESCAPE', `${requested} points outside repository ${repo}`, { file: requested });
  let current = start;
  for (let hops = 0; hops < 40; hops++) {
    const parts = current.split('/');
    let redirected = false;
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const entry = byPath.get(prefix);
      if (!entry) continue;
      if (entry.type === 'submodule') {
        throw new DriftlessError('SOURCE_INVALID', `${requested} is inside submodule ${prefix} of ${repo}; driftless does not read submodules: vendor those files into the repository or point the app at the submodule's own repository`, { file: prefix });
      }
      if (entry.type === 'symlink') {
        const target = entry.target ?? '';
        const base = parts.slice(0, i - 1).join('/');
        const next = target.startsWith('/') ? undefined : normalizeRepoPath([base, target, ...parts.slice(i)].filter((s) => s !== '').join('/'));
        if (next === undefined) {
          throw new DriftlessError('PATH_ESCAPE', `Symlink ${prefix} → ${target} in ${repo} points outside the repository; driftless only follows links that stay inside it`, { file: prefix });
        }
        current = next;
        redirected = true;
        break;
      }
      if (i === parts.length) return entry;
      throw new DriftlessError('SOURCE_INVALID', `${requested} does not exist in ${repo}: ${prefix} is a file, not a directory`, { file: requested });
    }
    if (!redirected) {
      const isDir = [...byPath.keys()].some((k) => k.startsWith(`${current}/`));
      throw new DriftlessError('SOURCE_INVALID', isDir ? `${requested} is a directory in ${repo}, not a file` : `${requested} does not exist in ${repo} at this revision`, { file: requested });
    }
  }
  throw new DriftlessError('SOURCE_INVALID', `${requested} in ${repo} goes through more than 40 symlinks (a loop?)`, { file: requested });
}
