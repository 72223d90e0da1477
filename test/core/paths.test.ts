import { describe, expect, it } from 'vitest';
import { normalizeRepoPath } from '../../src/core/paths.ts';

describe('normalizeRepoPath (the one repository-path normaliser)', () => {
  it.each([
    ['', ''], ['.', ''], ['./', ''], ['./base/', 'base'], ['a//b/./c', 'a/b/c'], ['a/b/../c', 'a/c'], ['a\\b', 'a\\b'],
  ])('%j → %j', (input, output) => {
    expect(normalizeRepoPath(input)).toBe(output);
  });
  it.each(['..', '../x', 'a/../../x', '/etc/passwd'])('%j leaves the repository: undefined', (input) => {
    expect(normalizeRepoPath(input)).toBeUndefined();
  });
});
