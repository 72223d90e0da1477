import type { Revision } from '../core/types.ts';

export type TreeEntryType = 'file' | 'symlink' | 'submodule';

export interface TreeEntry {
  /** POSIX path relative to the repository root, no leading "./". */
  path: string;
  type: TreeEntryType;
  /** Git blob SHA, when the source knows it: the key of content-addressed caches. */
  sha?: string;
  /** For symlinks: the link target as stored in Git. */
  target?: string;
  /** Size in bytes of a file, when the source knows it without reading it (lets renderers refuse huge files unread). */
  size?: number;
}

/** A repository's files at one commit. Reads never touch a work tree. */
export interface SourceTree {
  readonly revision: Revision;
  /** Every entry of the tree (recursively), sorted by path. */
  entries(): Promise<TreeEntry[]>;
  /** File contents; throws DriftlessError SOURCE_INVALID when the path is absent or not a file. */
  read(path: string): Promise<Uint8Array>;
}

/** Where manifests come from: local git, GitHub, … */
export interface Source {
  /** Resolves a branch, tag or SHA to a full commit SHA (REVISION_NOT_FOUND otherwise). */
  resolve(ref: string): Promise<Revision>;
  /** The tree at a resolved revision. */
  tree(revision: Revision): Promise<SourceTree>;
  /** Paths changed between two commits, or undefined when the source cannot tell cheaply. */
  changedPaths?(from: string, to: string): Promise<string[] | undefined>;
}
