import { posix } from 'node:path';

/**
 * The one repository-path normaliser. Repository paths are POSIX, relative to the repository root,
 * without "./" and without a trailing slash; the root itself is "". Anything that would leave the
 * root (an absolute path, "..") is `undefined`, so that callers must decide how to refuse it.
 * Backslashes are ordinary characters here: git allows them in names.
 */
export function normalizeRepoPath(path: string): string | undefined {
  if (path.startsWith('/')) return undefined;
  const normalized = posix.normalize(path === '' ? '.' : path).replace(/\/+$/, '');
  if (normalized === '.' || normalized === '') return '';
  if (normalized === '..' || normalized.startsWith('../')) return undefined;
  return normalized;
}
