import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOctokitProvider, expiryAwareTokenCache } from '../../../src/adapters/github/client.ts';
import { classifyGitHubError } from '../../../src/adapters/github/errors.ts';
import { createGitHubSource } from '../../../src/adapters/github/source.ts';
import { createMemoryContentCache } from '../../../src/adapters/github/memory-cache.ts';
import { DriftlessError } from '../../../src/core/errors.ts';
import { startGitHubStandin } from '../../support/github-standin/index.ts';
import type { GitHubStandin } from '../../support/github-standin/index.ts';
import { createTestRepo } from '../../support/github-standin/fixture.ts';
import type { TestRepo } from '../../support/github-standin/fixture.ts';

const owner = 'acme';
const repo = 'deploy';
const fast = { attempts: 4, baseMs: 1, maxMs: 5 };

function httpError(status: number, headers: Record<string, string>, message = 'x'): Error {
  return Object.assign(new Error(message), { status, response: { headers } });
}

describe('classifyGitHubError', () => {
  const now = 1_700_000_000_000;
  it('waits for x-ratelimit-reset on a primary rate limit', () => {
    const err = httpError(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) });
    // However long the wait, it stays transient: the retry policy decides to give up early, not the classifier.
    expect(classifyGitHubError(err, now)).toEqual({ transient: true, retryAfterMs: 30_100 });
  });
  it('honours retry-after on secondary limits and defaults to a minute without it', () => {
    expect(classifyGitHubError(httpError(403, { 'retry-after': '3' }), now)).toEqual({ transient: true, retryAfterMs: 3000 });
    expect(classifyGitHubError(httpError(403, {}, 'You have exceeded a secondary rate limit'), now)).toEqual({ transient: true, retryAfterMs: 60_000 });
  });
  it('treats 5xx and 429 as transient, plain 403/404/422 as permanent', () => {
    expect(classifyGitHubError(httpError(502, {}), now).transient).toBe(true);
    expect(classifyGitHubError(httpError(429, {}), now).transient).toBe(true);
    expect(classifyGitHubError(httpError(403, {}, 'Resource not accessible by integration'), now).transient).toBe(false);
    expect(classifyGitHubError(httpError(404, {}), now).transient).toBe(false);
    expect(classifyGitHubError(httpError(422, {}), now).transient).toBe(false);
    expect(classifyGitHubError(httpError(501, {}), now).transient).toBe(false);
    expect(classifyGitHubError(httpError(503, { 'retry-after': '2' }), now)).toEqual({ transient: true, retryAfterMs: 2000 });
    expect(classifyGitHubError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), now).transient).toBe(true);
    expect(classifyGitHubError(new TypeError('x is not a function'), now).transient).toBe(false);
  });
});

describe('GitHub client over the stand-in', () => {
  let git: TestRepo;
  let gh: GitHubStandin;
  let head: string;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  beforeAll(async () => {
    git = createTestRepo({ 'a.yaml': 'a: 1\n' });
    head = git.git('rev-parse', 'HEAD');
    gh = await startGitHubStandin({ repos: { [`${owner}/${repo}`]: git.dir }, tokens: ['pat'], appPrivateKeyPem: privateKey, appId: 4242, installationId: 77 });
  });
  afterAll(async () => {
    await gh.stop();
    git.remove();
  });
  const source = (extra: Partial<Parameters<typeof createGitHubSource>[0]> = {}) =>
    createGitHubSource({ owner, repo, apiUrl: gh.apiUrl, auth: { token: 'pat' }, cache: createMemoryContentCache(), retry: fast, ...extra });

  it('retries 5xx with backoff and succeeds', async () => {
    gh.resetCalls();
    gh.inject({ path: '/commits/main', status: 502, count: 2 });
    expect((await source().resolve('main')).sha).toBe(head);
    expect(gh.calls().map((c) => c.status)).toEqual([502, 502, 200]);
  });

  it('gives up after the retry budget with a transient SOURCE_UNAVAILABLE', async () => {
    gh.inject({ path: '/commits/main', status: 503, count: 4 });
    const err = await source().resolve('main').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriftlessError);
    expect((err as DriftlessError).code).toBe('SOURCE_UNAVAILABLE');
    expect((err as DriftlessError).transient).toBe(true);
  });

  it('honours retry-after on a secondary rate limit', async () => {
    gh.resetCalls();
    gh.inject({ path: '/commits/main', status: 403, count: 1, headers: { 'retry-after': '0.2' } });
    const started = Date.now();
    expect((await source().resolve('main')).sha).toBe(head);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(gh.calls().map((c) => c.status)).toEqual([403, 200]);
  });

  it('waits for the primary rate limit reset, and fails RATE_LIMITED when the wait is too long', async () => {
    gh.resetCalls();
    gh.inject({ path: '/commits/main', status: 429, count: 1, rateLimit: 'primary', headers: { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) } });
    expect((await source().resolve('main')).sha).toBe(head);
    expect(gh.calls().map((c) => c.status)).toEqual([429, 200]);
    gh.inject({ path: '/commits/main', status: 403, count: 1, rateLimit: 'primary', headers: { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) } });
    const err = await source({ maxRateLimitWaitMs: 1000 }).resolve('main').catch((e: unknown) => e);
    expect((err as DriftlessError).code).toBe('RATE_LIMITED');
    expect((err as DriftlessError).details.retryAfterMs).toBeGreaterThan(3_000_000);
  });

  it('reports bad credentials as GITHUB_ERROR without retrying', async () => {
    gh.resetCalls();
    const err = await source({ auth: { token: 'wrong' } }).resolve('main').catch((e: unknown) => e);
    expect((err as DriftlessError).code).toBe('GITHUB_ERROR');
    expect((err as DriftlessError).message).toContain('credentials');
    expect(gh.calls()).toHaveLength(1);
  });

  it('authenticates as a GitHub App: looks up the installation, caches the installation token', async () => {
    gh.resetCalls();
    const client = createOctokitProvider({ owner, repo, apiUrl: gh.apiUrl, auth: { appId: 4242, privateKey }, retry: fast });
    const src = source({ client });
    expect((await src.resolve('main')).sha).toBe(head);
    expect(text(await (await src.tree({ ref: 'main', sha: head })).read('a.yaml'))).toBe('a: 1\n');
    const paths = gh.calls().map((c) => `${c.method} ${c.path}`);
    expect(paths.filter((p) => p === `GET /repos/${owner}/${repo}/installation`)).toHaveLength(1);
    expect(paths.filter((p) => p === 'POST /app/installations/77/access_tokens')).toHaveLength(1);
    expect(gh.calls().filter((c) => c.path.startsWith(`/repos/${owner}/${repo}/`) && !c.path.endsWith('/installation')).every((c) => c.identity === 'installation')).toBe(true);
  });

  it('refuses an App JWT signed with another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const client = createOctokitProvider({ owner, repo, apiUrl: gh.apiUrl, auth: { appId: 4242, privateKey: other.privateKey, installationId: 77 }, retry: fast });
    const err = await source({ client }).resolve('main').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriftlessError);
    expect(gh.calls().at(-1)).toMatchObject({ path: '/app/installations/77/access_tokens', status: 401 });
  });

  it('refreshes installation tokens near their expiry', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const cache = expiryAwareTokenCache(5 * 60_000, () => now);
    cache.set('k', 'tok|2026-01-01T00:00:00Z|2026-01-01T01:00:00Z|all|contents');
    expect(cache.get('k')).toMatch(/^tok\|/);
    now += 54 * 60_000;
    expect(cache.get('k')).toMatch(/^tok\|/);
    now += 2 * 60_000;
    expect(cache.get('k')).toBeUndefined();
  });
});

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
