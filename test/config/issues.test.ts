import { describe, expect, it } from 'vitest';
import { configInvalid, formatField, suggest } from '../../src/config/issues.ts';

describe('config issues', () => {
  it('formats field paths as a user reads them', () => {
    expect(formatField(['apps', 0, 'namespace'])).toBe('apps[0].namespace');
    expect(formatField(['repositories', 'my.repo', 'git'])).toBe('repositories["my.repo"].git');
    expect(formatField([])).toBe('');
  });

  it('suggests close names, including swapped letters, and nothing for far ones', () => {
    expect(suggest('prun', ['prune', 'path'])).toBe('prune');
    expect(suggest('gti', ['git', 'github'])).toBe('git');
    expect(suggest('Namespace', ['namespace'])).toBe('namespace');
    expect(suggest('colour', ['webhookSecret', 'publicUrl'])).toBeUndefined();
  });

  it('builds one CONFIG_INVALID sorted by file and line', () => {
    const err = configInvalid('driftless.yaml', [
      { file: 'driftless.yaml', line: 9, field: 'b', message: 'second' },
      { file: 'driftless.yaml', line: 2, field: 'a', message: 'first' },
    ]);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe('driftless.yaml is not valid (2 errors):\n  - driftless.yaml:2: a: first\n  - driftless.yaml:9: b: second');
    expect(err.details).toMatchObject({ file: 'driftless.yaml', line: 2, field: 'a' });
  });
});
