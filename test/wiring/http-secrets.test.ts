import { describe, expect, it } from 'vitest';
import { authenticate, splitTokens } from '../../src/http/auth.ts';
import { httpSecrets } from '../../src/wiring/http-secrets.ts';
import type { SecretRef } from '../../src/ports/secrets.ts';

describe('httpSecrets', () => {
  it('resolves once per TTL, picks up a rotated value after it, and holds a failure only briefly', async () => {
    let now = 0;
    let calls = 0;
    let value = 'a,b';
    let fail = true;
    const resolver = {
      resolve: async (ref: SecretRef) => {
        calls++;
        if ('env' in ref && ref.env === 'TOKENS' && fail) {
          fail = false;
          throw new Error('not yet');
        }
        return 'env' in ref && ref.env === 'TOKENS' ? value : 'hook';
      },
    };
    const secrets = httpSecrets({ apiTokens: { env: 'TOKENS' }, webhookSecret: { env: 'HOOK' } }, resolver, 1000, () => now);
    await expect(secrets.apiTokens()).rejects.toThrow('not yet');
    // Unauthenticated requests resolve the tokens: a failure is answered from memory for a moment.
    await expect(secrets.apiTokens()).rejects.toThrow('not yet');
    expect(calls).toBe(1);
    now = 5000;
    expect(await secrets.apiTokens()).toEqual(['a', 'b']);
    expect(await secrets.apiTokens()).toEqual(['a', 'b']);
    expect(calls).toBe(2);
    value = 'c';
    now = 6500;
    expect(await secrets.apiTokens()).toEqual(['c']);
    expect(await secrets.webhookSecret()).toEqual(['hook']);
  });

  it('no references: no webhook secret and no tokens', async () => {
    const secrets = httpSecrets({}, { resolve: async () => 'x' });
    expect(await secrets.webhookSecret()).toBeUndefined();
    expect(await secrets.apiTokens()).toEqual([]);
  });
});

describe('authenticate', () => {
  it('names the matching token by position, never by value', () => {
    expect(authenticate('Bearer two', ['one', 'two'])).toBe('token#2');
    expect(authenticate('bearer one', ['one', 'two'])).toBe('token#1');
    expect(authenticate('Bearer three', ['one', 'two'])).toBeUndefined();
    expect(authenticate('Basic b25lOg==', ['one'])).toBeUndefined();
    expect(authenticate(undefined, ['one'])).toBeUndefined();
    expect(authenticate('Bearer one', [])).toBeUndefined();
  });

  it('splits comma-separated tokens and drops blanks', () => {
    expect(splitTokens(' a , b,,c ')).toEqual(['a', 'b', 'c']);
    expect(splitTokens(undefined)).toEqual([]);
  });
});
