import { normalizeRepoPath } from '../core/paths.ts';

/** Joins `relative` onto the folder `dir`; undefined when the result leaves the root. */
export function joinRepoPath(dir: string, relative: string): string | undefined {
  if (relative.startsWith('/')) return undefined;
  return normalizeRepoPath(dir === '' ? relative : `${dir}/${relative}`);
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** True when `path` is `dir` or lies beneath it ("" holds everything). */
export function isUnder(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

/** Drops paths already covered by a folder in the list, then sorts. */
export function minimizePrefixes(paths: Iterable<string>, folders: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const path of paths) {
    let covered = false;
    for (const folder of folders) {
      if (folder !== path && isUnder(path, folder)) {
        covered = true;
        break;
      }
    }
    if (!covered) out.add(path);
  }
  return [...out].sort();
}
