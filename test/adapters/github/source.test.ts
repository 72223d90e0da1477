import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubSource, gitBlobSha } from '../../../src/adapters/github/source.ts';
import { createMemoryContentCache } from '../../../src/adapters/github/memory-cache.ts';
import { DriftlessError } from '../../../src/core/errors.ts';
import type { Source } from '../../../src/ports/source.ts';
import { startGitHubStandin } from '../../support/github-standin/index.ts';
import type { GitHubStandin } from '../../support/github-standin/index.ts';
import { createTestRepo } from '../../support/github-standin/fixture.ts';
import type { FileChange, TestRepo } from '../../support/github-standin/fixture.ts';

const owner = 'acme';
const repo = 'deploy';
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DriftlessError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('GitHub source: 200-file repository, cold and warm', () => {
  let git: TestRepo;
  let gh: GitHubStandin;
  beforeAll(async () => {
    const files: Record<string, FileChange> = {};
    for (let i = 0; i < 200; i++) files[`apps/app${i % 10}/file${i}.yaml`] = `index: ${i}\n`;
    git = createTestRepo(files);
    gh = await startGitHubStandin({ repos: { [`${owner}/${repo}`]: git.dir }, tokens: ['t0k'] });
  });
  afterAll(async () => {
    await gh.stop();
    git.remove();
  });

  it('costs 1 + 1 + 200 calls cold and at most 5 warm after a push changing 3 files', async () => {
    const source = createGitHubSource({ owner, repo, apiUrl: gh.apiUrl, auth: { token: 't0k' }, cache: createMemoryContentCache() });
    const readAll = async (): Promise<number> => {
      const rev = await source.resolve('main');
      const tree = await source.tree(rev);
      const entries = await tree.entries();
      await Promise.all(entries.map((e) => tree.read(e.path)));
      return entries.length;
    };
    gh.resetCalls();
    expect(await readAll()).toBe(200);
    const cold = gh.calls();
    expect(cold.filter((c) => c.path.includes('/git/blobs/'))).toHaveLength(200);
    expect(cold).toHaveLength(202);

    git.commit({ 'apps/app1/file1.yaml': 'index: one\n', 'apps/app2/file2.yaml': 'index: two\n', 'apps/app3/file3.yaml': 'index: three\n' });
    gh.resetCalls();
    expect(await readAll()).toBe(200);
    const warm = gh.calls();
    expect(warm.length).toBeLessThanOrEqual(5);
    expect(warm.map((c) => c.path.replace(/[0-9a-f]{40}/, 'SHA'))).toEqual([
      `/repos/${owner}/${repo}/commits/main`, `/repos/${owner}/${repo}/git/trees/SHA`,
      `/repos/${owner}/${repo}/git/blobs/SHA`, `/repos/${owner}/${repo}/git/blobs/SHA`, `/repos/${owner}/${repo}/git/blobs/SHA`,
    ]);

    // Nothing moved: the branch resolves by a 304 that costs no rate limit, and the tree comes from the cache.
    gh.resetCalls();
    await readAll();
    expect(gh.calls().map((c) => c.status)).toEqual([304]);
  });

  it('reports changed paths through compare, and undefined past 300 files', async () => {
    const source = createGitHubSource({ owner, repo, apiUrl: gh.apiUrl, auth: { token: 't0k' }, cache: createMemoryContentCache() });
    const before = git.git('rev-parse', 'HEAD');
    const after = git.commit({ 'apps/app1/file1.yaml': 'index: uno\n', 'apps/new.yaml': 'n: 1\n', 'apps/app0/file0.yaml': null });
    expect(await source.changedPaths!(before, after)).toEqual(['apps/app0/file0.yaml', 'apps/app1/file1.yaml', 'apps/new.yaml']);
    const many: Record<string, FileChange> = {};
    for (let i = 0; i < 301; i++) many[`bulk/f${i}.txt`] = `${i}\n`;
    const big = git.commit(many);
    expect(await source.changedPaths!(after, big)).toBeUndefined();
    expect(await source.changedPaths!('0'.repeat(40), big)).toBeUndefined();
  });
});

describe('GitHub source: refs, symlinks, submodules, truncation', () => {
  let git: TestRepo;
  let gh: GitHubStandin;
  let source: Source;
  let head: string;
  beforeAll(async () => {
    git = createTestRepo({ 'base/deploy.yaml': 'kind: Deployment\n', 'base/svc.yaml': 'kind: Service\n', 'x/y/z.yaml': 'z: 1\n' });
    const first = git.git('rev-parse', 'HEAD');
    git.git('tag', 'v1');
    head = git.commit({
      'overlays/prod/base': { symlink: '../../base' }, 'overlays/prod/deploy.yaml': { symlink: '../../base/deploy.yaml' },
      'evil.yaml': { symlink: '../../etc/passwd' }, 'abs.yaml': { symlink: '/etc/passwd' }, 'vendor/charts': { submodule: first },
    });
    gh = await startGitHubStandin({ repos: { [`${owner}/${repo}`]: git.dir }, tokens: ['t0k'], treeEntryLimit: 6 });
    source = createGitHubSource({ owner, repo, apiUrl: `${gh.url}/api/v3`, auth: { token: 't0k' }, cache: createMemoryContentCache() });
  });
  afterAll(async () => {
    await gh.stop();
    git.remove();
  });

  it('resolves branches, tags and SHAs through the Enterprise API prefix, and refuses unknown refs', async () => {
    gh.resetCalls();
    expect((await source.resolve('main')).sha).toBe(head);
    expect(gh.calls().every((c) => c.enterprise)).toBe(true);
    const tag = await source.resolve('v1');
    expect(tag).toEqual({ ref: 'v1', sha: git.git('rev-parse', 'v1^{commit}') });
    expect((await source.resolve(head)).sha).toBe(head);
    git.git('branch', 'release/v2', 'v1');
    expect((await source.resolve('release/v2')).sha).toBe(tag.sha);
    expect(await codeOf(source.resolve('no-such-branch'))).toBe('REVISION_NOT_FOUND');
  });

  it('walks subtrees when the recursive tree is truncated and lists every entry', async () => {
    gh.resetCalls();
    const tree = await source.tree({ ref: 'main', sha: head });
    const entries = await tree.entries();
    expect(gh.calls().filter((c) => c.path.includes('/git/trees/')).length).toBeGreaterThan(1);
    expect(entries.map((e) => `${e.path}:${e.type}`)).toEqual([
      'abs.yaml:symlink', 'base/deploy.yaml:file', 'base/svc.yaml:file', 'evil.yaml:symlink', 'overlays/prod/base:symlink',
      'overlays/prod/deploy.yaml:symlink', 'vendor/charts:submodule', 'x/y/z.yaml:file',
    ]);
    expect(entries.find((e) => e.path === 'overlays/prod/base')?.target).toBe('../../base');
  });

  it('follows symlinks inside the repository and refuses links that escape it', async () => {
    const tree = await source.tree({ ref: 'main', sha: head });
    expect(text(await tree.read('overlays/prod/deploy.yaml'))).toBe('kind: Deployment\n');
    expect(text(await tree.read('overlays/prod/base/svc.yaml'))).toBe('kind: Service\n');
    expect(text(await tree.read('./x/y/../y/z.yaml'))).toBe('z: 1\n');
    expect(await codeOf(tree.read('evil.yaml'))).toBe('PATH_ESCAPE');
    expect(await codeOf(tree.read('abs.yaml'))).toBe('PATH_ESCAPE');
    expect(await codeOf(tree.read('../outside.yaml'))).toBe('PATH_ESCAPE');
    expect(await codeOf(tree.read('missing.yaml'))).toBe('SOURCE_INVALID');
    expect(await codeOf(tree.read('base'))).toBe('SOURCE_INVALID');
  });

  it('refuses to read through a submodule, naming it', async () => {
    const tree = await source.tree({ ref: 'main', sha: head });
    const err = await tree.read('vendor/charts/Chart.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriftlessError);
    expect((err as DriftlessError).code).toBe('SOURCE_INVALID');
    expect((err as DriftlessError).message).toContain('submodule vendor/charts');
  });

  it('fails closed when one directory alone is too large for the tree API', async () => {
    const wide: Record<string, FileChange> = {};
    for (let i = 0; i < 7; i++) wide[`wide/f${i}.yaml`] = `${i}\n`;
    const sha = git.commit(wide);
    const err = await source.tree({ ref: 'main', sha }).catch((e: unknown) => e);
    expect((err as DriftlessError).code).toBe('SOURCE_INVALID');
    expect((err as DriftlessError).message).toMatch(/Directory \/ of acme\/deploy has too many entries/);
  });

  it('verifies blob content against its SHA', () => {
    expect(gitBlobSha(new TextEncoder().encode('z: 1\n'))).toBe(git.git('hash-object', 'x/y/z.yaml'));
  });
});
