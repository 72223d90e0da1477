import type { SourceTree, TreeEntry } from '../../src/ports/source.ts';
import { DriftlessError } from '../../src/core/errors.ts';

export type MemoryEntry = string | Uint8Array | { symlink: string } | { submodule: true };

/** An in-memory SourceTree: path → text, bytes, { symlink: target } or { submodule: true }. */
export function memoryTree(files: Record<string, MemoryEntry>): SourceTree & { reads: string[] } {
  const reads: string[] = [];
  const entries: TreeEntry[] = Object.entries(files)
    .map(([path, value]): TreeEntry => {
      if (typeof value === 'string' || value instanceof Uint8Array) return { path, type: 'file' };
      if ('symlink' in value) return { path, type: 'symlink', target: value.symlink };
      return { path, type: 'submodule' };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  return {
    reads,
    revision: { ref: 'main', sha: 'a'.repeat(40) },
    entries: () => Promise.resolve(entries),
    read(path: string): Promise<Uint8Array> {
      reads.push(path);
      const value = files[path];
      if (typeof value === 'string') return Promise.resolve(new TextEncoder().encode(value));
      if (value instanceof Uint8Array) return Promise.resolve(value);
      return Promise.reject(new DriftlessError('SOURCE_INVALID', `${path} is not a file`, { file: path }));
    },
  };
}
