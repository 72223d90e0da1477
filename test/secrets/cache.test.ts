import { describe, expect, it } from 'vitest';
import type { SecretRef } from '../../src/ports/secrets.ts';
import { createSecretCache, previousVersionOf } from '../../src/secrets/cache.ts';

/** A resolver over a table, counting reads per reference. */
function table(values: Record<string, string>) {
  const reads: string[] = [];
  const key = (ref: SecretRef): string => ('env' in ref ? ref.env : 'file' in ref ? ref.file : `${ref.secret}${ref.versionStage ? `@${ref.versionStage}` : ''}${ref.key ? `#${ref.key}` : ''}`);
  return {
    values,
    reads,
    resolver: {
      async resolve(ref: SecretRef): Promise<string> {
        const k = key(ref);
        reads.push(k);
        const value = values[k];
        if (value === undefined) throw new Error(`no ${k}`);
        return value;
      },
    },
  };
}

describe('secret cache', () => {
  it('reads a value once per TTL (default 5 minutes) and again after it', async () => {
    let now = 0;
    const t = table({ hook: 'v1' });
    const cache = createSecretCache(t.resolver, { now: () => now });
    expect(await cache.resolve({ secret: 'hook' })).toBe('v1');
    now = 299_999;
    t.values.hook = 'v2';
    expect(await cache.resolve({ secret: 'hook' })).toBe('v1');
    now = 300_000;
    expect(await cache.resolve({ secret: 'hook' })).toBe('v2');
    expect(t.reads).toEqual(['hook', 'hook']);
  });

  it('keeps no failure: the next use reads again', async () => {
    const t = table({});
    const cache = createSecretCache(t.resolver);
    await expect(cache.resolve({ env: 'X' })).rejects.toThrow('no X');
    t.values.X = 'x';
    expect(await cache.resolve({ env: 'X' })).toBe('x');
  });

  it('refresh re-reads a refused value at most once per secret per 30 s, and says whether it changed', async () => {
    let now = 0;
    const t = table({ gh: 'old' });
    const cache = createSecretCache(t.resolver, { now: () => now });
    const ref = { secret: 'gh' };
    expect(await cache.resolve(ref)).toBe('old');
    t.values.gh = 'new';
    expect(await cache.refresh(ref, 'old')).toBe(true);
    expect(await cache.resolve(ref)).toBe('new');
    // A flood of refusals (unauthenticated webhook calls) inside the window costs no read.
    for (let i = 0; i < 50; i++) expect(await cache.refresh(ref, 'forged')).toBe(true);
    for (let i = 0; i < 50; i++) expect(await cache.refresh(ref, 'new')).toBe(false);
    expect(t.reads).toEqual(['gh', 'gh']);
    now = 29_999;
    t.values.gh = 'newer';
    expect(await cache.refresh(ref, 'new')).toBe(false);
    now = 30_000;
    expect(await cache.refresh(ref, 'new')).toBe(true);
    expect(t.reads).toEqual(['gh', 'gh', 'gh']);
  });

  it('a forced read drops every cached key and stage of that secret, not other secrets', async () => {
    const t = table({ 'db#user': 'u1', 'db#password': 'p1', other: 'o' });
    const cache = createSecretCache(t.resolver);
    await cache.resolve({ secret: 'db', key: 'user' });
    await cache.resolve({ secret: 'db', key: 'password' });
    await cache.resolve({ secret: 'other' });
    t.values['db#user'] = 'u2';
    t.values['db#password'] = 'p2';
    expect(await cache.refresh({ secret: 'db', key: 'password' }, 'p1')).toBe(true);
    expect(await cache.resolve({ secret: 'db', key: 'user' })).toBe('u2');
    expect(await cache.resolve({ secret: 'other' })).toBe('o');
    expect(t.reads.filter((r) => r === 'other')).toHaveLength(1);
  });

  it('accepts AWSCURRENT and AWSPREVIOUS of a rotating Secrets Manager secret, only the current of env and file', async () => {
    const t = table({ hook: 'current', 'hook@AWSPREVIOUS': 'previous', fresh: 'only' });
    const cache = createSecretCache(t.resolver);
    expect(await cache.accepted({ secret: 'hook' })).toEqual(['current', 'previous']);
    // Never rotated: no AWSPREVIOUS, which is no reason to refuse the current value.
    expect(await cache.accepted({ secret: 'fresh' })).toEqual(['only']);
    t.values.E = 'e';
    expect(await cache.accepted({ env: 'E' })).toEqual(['e']);
    // A pinned stage is exactly that stage.
    expect(previousVersionOf({ secret: 'hook', versionStage: 'AWSPENDING' })).toBeUndefined();
    expect(previousVersionOf({ secret: 'hook', key: 'k' })).toEqual({ secret: 'hook', key: 'k', versionStage: 'AWSPREVIOUS' });
  });
});
