import { Octokit } from '@octokit/rest';
import { RequestError } from '@octokit/request-error';
import type { components } from '@octokit/openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandin } from './index.ts';
import type { GitHubStandin } from './index.ts';
import { createTestRepo } from './fixture.ts';
import type { TestRepo } from './fixture.ts';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const owner = 'acme';
const repo = 'deploy';

async function failure(p: Promise<unknown>): Promise<RequestError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RequestError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe('GitHub stand-in', () => {
  let git: TestRepo;
  let gh: GitHubStandin;
  let octokit: Octokit;
  let first: string;
  let second: string;

  beforeAll(async () => {
    git = createTestRepo({ 'apps/web/a.yaml': 'a: 1\n', 'apps/web/b.yaml': 'b: 1\n', 'run.sh': 'echo\n', 'link.yaml': { symlink: 'apps/web/a.yaml' } });
    first = git.git('rev-parse', 'HEAD');
    second = git.commit({ 'apps/web/a.yaml': 'a: 2\n', 'apps/web/c.yaml': 'c: 1\n', 'apps/web/b.yaml': null, 'vendor/lib': { submodule: first } });
    gh = await startGitHubStandin({ repos: { [`${owner}/${repo}`]: git.dir }, tokens: ['good-token'], treeEntryLimit: 6 });
    octokit = new Octokit({ baseUrl: gh.apiUrl, auth: 'good-token', log: quiet });
  });
  afterAll(async () => {
    await gh.stop();
    git.remove();
  });

  it('serves the repository, refs, branches and commits from the real git repository', async () => {
    const r = await octokit.repos.get({ owner, repo });
    expect(r.data.default_branch).toBe('main');
    const ref = await octokit.git.getRef({ owner, repo, ref: 'heads/main' });
    expect(ref.data.object.sha).toBe(second);
    const matching = await octokit.git.listMatchingRefs({ owner, repo, ref: 'heads/ma' });
    expect(matching.data.map((x) => x.ref)).toEqual(['refs/heads/main']);
    const branch = await octokit.repos.getBranch({ owner, repo, branch: 'main' });
    expect(branch.data.commit.sha).toBe(second);
    const sha = await octokit.repos.getCommit({ owner, repo, ref: 'main', mediaType: { format: 'sha' } });
    expect(String(sha.data)).toBe(second);
    const commit = await octokit.git.getCommit({ owner, repo, commit_sha: second });
    expect(commit.data.parents.map((p) => p.sha)).toEqual([first]);
    const missing = await failure(octokit.repos.getCommit({ owner, repo, ref: 'nope' }));
    expect(missing.status).toBe(422);
  });

  it('lists trees with GitHub modes and types, and truncates past the entry limit', async () => {
    const full = await octokit.git.getTree({ owner, repo, tree_sha: first, recursive: '1' });
    const tree: components['schemas']['git-tree'] = full.data;
    expect(tree.truncated).toBe(false);
    const byPath = new Map(tree.tree.map((e) => [e.path, e]));
    expect(byPath.get('apps')).toMatchObject({ type: 'tree', mode: '040000' });
    expect(byPath.get('link.yaml')).toMatchObject({ type: 'blob', mode: '120000' });
    expect(byPath.get('apps/web/a.yaml')).toMatchObject({ type: 'blob', mode: '100644', size: 5 });
    const sub = await octokit.git.getTree({ owner, repo, tree_sha: second, recursive: '1' });
    expect(sub.data.truncated).toBe(true);
    expect(sub.data.tree).toHaveLength(6);
    const top = await octokit.git.getTree({ owner, repo, tree_sha: second });
    expect(top.data.truncated).toBe(false);
    expect(top.data.tree.find((e) => e.path === 'vendor')).toMatchObject({ type: 'tree' });
    const vendor = await octokit.git.getTree({ owner, repo, tree_sha: top.data.tree.find((e) => e.path === 'vendor')!.sha });
    expect(vendor.data.tree[0]).toMatchObject({ path: 'lib', mode: '160000', type: 'commit', sha: first });
  });

  it('serves blobs as base64 and compares commits with file statuses', async () => {
    const tree = await octokit.git.getTree({ owner, repo, tree_sha: first, recursive: '1' });
    const entry = tree.data.tree.find((e) => e.path === 'apps/web/a.yaml')!;
    const blob = await octokit.git.getBlob({ owner, repo, file_sha: entry.sha });
    expect(blob.data.encoding).toBe('base64');
    expect(Buffer.from(blob.data.content, 'base64').toString()).toBe('a: 1\n');
    const cmp = await octokit.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${first}...${second}` });
    expect(cmp.data.status).toBe('ahead');
    expect(cmp.data.ahead_by).toBe(1);
    const files = Object.fromEntries((cmp.data.files ?? []).map((f) => [f.filename, f.status]));
    expect(files).toMatchObject({ 'apps/web/a.yaml': 'modified', 'apps/web/c.yaml': 'added', 'apps/web/b.yaml': 'removed' });
  });

  it('answers 304 to If-None-Match without spending rate limit', async () => {
    const a = await octokit.git.getRef({ owner, repo, ref: 'heads/main' });
    const etag = a.headers.etag!;
    const remaining = Number(a.headers['x-ratelimit-remaining']);
    expect(a.headers['x-ratelimit-resource']).toBe('core');
    const again = await failure(octokit.git.getRef({ owner, repo, ref: 'heads/main', headers: { 'if-none-match': etag } }));
    expect(again.status).toBe(304);
    const b = await octokit.git.getRef({ owner, repo, ref: 'heads/main' });
    expect(Number(b.headers['x-ratelimit-remaining'])).toBe(remaining - 1);
    const limits = await octokit.rateLimit.get();
    expect(limits.data.resources.core.remaining).toBe(remaining - 1);
  });

  it('answers 401 Bad credentials to an unknown token', async () => {
    const bad = new Octokit({ baseUrl: gh.apiUrl, auth: 'wrong', log: quiet });
    const err = await failure(bad.repos.get({ owner, repo }));
    expect(err.status).toBe(401);
    expect(err.response?.data).toMatchObject({ message: 'Bad credentials' });
  });

  it('injects primary and secondary rate limits and 5xx, then recovers', async () => {
    gh.inject({ path: '/git/ref/', status: 403, count: 1, rateLimit: 'primary' });
    const primary = await failure(octokit.git.getRef({ owner, repo, ref: 'heads/main' }));
    expect(primary.status).toBe(403);
    expect(primary.response?.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(primary.response?.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    gh.inject({ method: 'GET', path: /\/git\/ref\//, status: 403, count: 1, headers: { 'retry-after': '7' } });
    const secondary = await failure(octokit.git.getRef({ owner, repo, ref: 'heads/main' }));
    expect(secondary.response?.headers['retry-after']).toBe('7');
    expect(secondary.message).toMatch(/secondary rate limit/);
    gh.inject({ status: 502, count: 1 });
    expect((await failure(octokit.repos.get({ owner, repo }))).status).toBe(502);
    expect((await octokit.repos.get({ owner, repo })).status).toBe(200);
  });

  it('enforces the configured primary rate limit per identity', async () => {
    const limited = await startGitHubStandin({ repos: { [`${owner}/${repo}`]: git.dir }, rateLimit: 2 });
    try {
      const anon = new Octokit({ baseUrl: limited.apiUrl, log: quiet });
      await anon.repos.get({ owner, repo });
      const last = await anon.repos.get({ owner, repo });
      expect(last.headers['x-ratelimit-remaining']).toBe('0');
      expect((await failure(anon.repos.get({ owner, repo }))).status).toBe(403);
      expect(limited.calls().map((c) => c.status)).toEqual([200, 200, 403]);
    } finally {
      await limited.stop();
    }
  });

  it('rejects a commit status description over 140 characters with 422, as GitHub does', async () => {
    const err = await failure(octokit.repos.createCommitStatus({ owner, repo, sha: second, state: 'pending', context: 'x', description: 'y'.repeat(141) }));
    expect(err.status).toBe(422);
    const ok = await octokit.repos.createCommitStatus({ owner, repo, sha: second, state: 'pending', context: 'ci', description: 'y'.repeat(140) });
    expect(ok.status).toBe(201);
    expect(gh.statuses(owner, repo, second).map((s) => s.context)).toEqual(['ci']);
    const listed = await octokit.repos.listCommitStatusesForRef({ owner, repo, ref: second });
    expect(listed.data[0]).toMatchObject({ state: 'pending', context: 'ci' });
  });

  it('answers 409 to deployments with default required_contexts or auto_merge, 201 with driftless settings', async () => {
    await octokit.repos.createCommitStatus({ owner, repo, sha: second, state: 'pending', context: 'other-ci' });
    const checks = await failure(octokit.repos.createDeployment({ owner, repo, ref: second, auto_merge: false }));
    expect(checks.status).toBe(409);
    expect(checks.message).toMatch(/status checks failed/);
    const merge = await failure(octokit.repos.createDeployment({ owner, repo, ref: first, required_contexts: [] }));
    expect(merge.status).toBe(409);
    expect(merge.message).toMatch(/Conflict merging main/);
    const ok = await octokit.repos.createDeployment({ owner, repo, ref: first, auto_merge: false, required_contexts: [], environment: 'web', payload: { syncId: 's1' } });
    expect(ok.status).toBe(201);
    const dep = ok.data as components['schemas']['deployment'];
    expect(dep).toMatchObject({ sha: first, environment: 'web', payload: { syncId: 's1' } });
    const st = await octokit.repos.createDeploymentStatus({ owner, repo, deployment_id: Number(dep.id), state: 'in_progress' });
    expect(st.data.state).toBe('in_progress');
    expect(gh.deploymentStatuses(owner, repo, Number(dep.id))).toHaveLength(1);
    const issue = await octokit.issues.create({ owner, repo, title: 'drift', body: 'details' });
    expect(issue.data.number).toBe(1);
  });
});

describe('GitHub stand-in: App authentication', () => {
  it('issues 1-hour installation tokens for a JWT signed with the app key and refuses expired or bad JWTs', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { createAppAuth } = await import('@octokit/auth-app');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const git = createTestRepo({ 'a.yaml': 'a\n' });
    const gh = await startGitHubStandin({ repos: { [`${owner}/${repo}`]: git.dir }, appPrivateKeyPem: privateKey, appId: 9, installationId: 5 });
    try {
      const { token: jwt } = await createAppAuth({ appId: 9, privateKey })({ type: 'app' });
      const asApp = new Octokit({ baseUrl: gh.apiUrl, auth: jwt, log: quiet });
      const res = await asApp.apps.createInstallationAccessToken({ installation_id: 5 });
      expect(res.status).toBe(201);
      const ttl = Date.parse(res.data.expires_at) - Date.now();
      expect(ttl).toBeGreaterThan(3590_000);
      expect(ttl).toBeLessThanOrEqual(3600_000);
      const asInstallation = new Octokit({ baseUrl: gh.apiUrl, auth: res.data.token, log: quiet });
      expect((await asInstallation.repos.get({ owner, repo })).status).toBe(200);
      expect((await failure(asInstallation.apps.createInstallationAccessToken({ installation_id: 5 }))).status).toBe(401);
      const { token: wrongApp } = await createAppAuth({ appId: 10, privateKey })({ type: 'app' });
      expect((await failure(new Octokit({ baseUrl: gh.apiUrl, auth: wrongApp, log: quiet }).apps.createInstallationAccessToken({ installation_id: 5 }))).status).toBe(401);
      const { sign } = await import('node:crypto');
      const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iat: now - 700, exp: now - 60, iss: 9 })}`;
      const expiredJwt = `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
      const expired = await failure(new Octokit({ baseUrl: gh.apiUrl, auth: expiredJwt, log: quiet }).apps.createInstallationAccessToken({ installation_id: 5 }));
      expect(expired.status).toBe(401);
      expect(expired.message).toMatch(/Expiration time/);
      const tampered = `${jwt.split('.')[0]}.${b64({ iat: now, exp: now + 300, iss: 9 })}.${jwt.split('.')[2]}`;
      expect((await failure(new Octokit({ baseUrl: gh.apiUrl, auth: tampered, log: quiet }).apps.createInstallationAccessToken({ installation_id: 5 }))).status).toBe(401);
      expect((await failure(new Octokit({ baseUrl: gh.apiUrl, log: quiet }).repos.get({ owner, repo }))).status).toBe(401);
    } finally {
      await gh.stop();
      git.remove();
    }
  });
});
