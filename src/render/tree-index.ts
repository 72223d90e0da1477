import { DriftlessError } from '../core/errors.ts';
import type { TreeEntry } from '../ports/source.ts';
import { isUnder, joinRepoPath, parentOf } from './paths.ts';

export type Resolved =
  | { type: 'file'; path: string }
  | { type: 'dir'; path: string }
  | { type: 'submodule'; path: string }
  | { type: 'missing'; path: string };

/** Who asked for a path, so that a refusal can name the file and the entry at fault. */
export interface PathContext {
  file: string;
  entry: string;
}

const maxSymlinkHops = 40;

export const kustomizationNames: ReadonlySet<string> = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

/**
 * A SourceTree's entries, indexed for path resolution. Symlinks are followed inside the
 * repository only: Git stores their target as text, and a target that leaves the root would
 * read files that are not part of the revision.
 */
export class TreeIndex {
  readonly files = new Map<string, TreeEntry>();
  readonly symlinks = new Map<string, string>();
  readonly submodules = new Set<string>();
  readonly dirs = new Set<string>(['']);
  readonly entries: TreeEntry[];

  constructor(entries: TreeEntry[]) {
    this.entries = entries;
    for (const entry of entries) {
      if (entry.type === 'file') this.files.set(entry.path, entry);
      else if (entry.type === 'symlink') this.symlinks.set(entry.path, entry.target ?? '');
      else this.submodules.add(entry.path);
      for (let dir = parentOf(entry.path); dir !== '' && !this.dirs.has(dir); dir = parentOf(dir)) this.dirs.add(dir);
    }
  }

  /** Follows symlinks component by component; throws PATH_ESCAPE when one leaves the repository. */
  resolve(path: string, context: PathContext): Resolved {
    let current = path;
    for (let hops = 0; hops <= maxSymlinkHops; hops++) {
      const parts = current === '' ? [] : current.split('/');
      let prefix = '';
      let redirected = false;
      for (let i = 0; i < parts.length; i++) {
        prefix = prefix === '' ? (parts[i] ?? '') : `${prefix}/${parts[i]}`;
        if (this.submodules.has(prefix)) return { type: 'submodule', path: prefix };
        const target = this.symlinks.get(prefix);
        if (target === undefined) continue;
        const landed = joinRepoPath(parentOf(prefix), target);
        if (landed === undefined) {
          throw new DriftlessError(
            'PATH_ESCAPE',
            `${context.file}: "${context.entry}" goes through the symlink ${prefix} → ${target}, which leaves the repository. Point the link inside the repository or copy the file in.`,
            { file: context.file, field: context.entry, symlink: prefix },
          );
        }
        const rest = parts.slice(i + 1).join('/');
        current = rest === '' ? landed : landed === '' ? rest : `${landed}/${rest}`;
        redirected = true;
        break;
      }
      if (!redirected) {
        if (this.files.has(current)) return { type: 'file', path: current };
        if (this.dirs.has(current)) return { type: 'dir', path: current };
        return { type: 'missing', path: current };
      }
    }
    throw new DriftlessError('PATH_ESCAPE', `${context.file}: "${context.entry}" goes through more than ${maxSymlinkHops} symlinks (a loop?).`, {
      file: context.file,
      field: context.entry,
    });
  }

  /** Entries (files, symlinks, submodules) stored beneath `dir`, in path order. */
  entriesUnder(dir: string): TreeEntry[] {
    return this.entries.filter((entry) => isUnder(entry.path, dir) && entry.path !== dir);
  }

  /** The kustomization file in `dir`, if any (the three names kustomize accepts). */
  kustomizationIn(dir: string): string | undefined {
    for (const name of kustomizationNames) {
      const candidate = dir === '' ? name : `${dir}/${name}`;
      if (this.files.has(candidate)) return candidate;
      if (this.symlinks.has(candidate)) return candidate;
    }
    return undefined;
  }
}
