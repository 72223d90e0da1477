import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalGitSource } from '../../../src/adapters/git-local/local-git-source.ts';
import { DriftlessError } from '../../../src/core/errors.ts';

const temp = mkdtempSync(join(tmpdir(), 'driftless-git-'));
const repo = join(temp, 'repo');
const run = (...args: string[]): string => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
const write = (path: string, text: string): void => {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
};
const shas: Record<string, string> = {};

beforeAll(() => {
  mkdirSync(repo);
  run('init', '-q', '-b', 'main');
  write('apps/web/deploy.yaml', 'kind: A\n');
  write('README.md', 'hello\n');
  symlinkSync('../web/deploy.yaml', join(repo, 'apps/link.yaml'));
  run('add', '-A');
  run('commit', '-q', '-m', 'one');
  shas.one = run('rev-parse', 'HEAD');
  run('tag', 'v1');
  run('tag', '-a', 'v1-annotated', '-m', 'annotated');
  write('apps/web/deploy.yaml', 'kind: B\n');
  for (let i = 0; i < 600; i++) write(`many/f${String(i).padStart(3, '0')}.yaml`, `n: ${i}\n`);
  run('add', '-A');
  // A submodule entry without cloning anything: a gitlink in the index.
  run('update-index', '--add', '--cacheinfo', `160000,${shas.one},vendor/sub`);
  run('commit', '-q', '-m', 'two');
  shas.two = run('rev-parse', 'HEAD');
  run('branch', 'feature', shas.one);
});

afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('createLocalGitSource', () => {
  const source = createLocalGitSource(repo);

  it('resolves a branch, a tag, an annotated tag (to its commit), a short and a full sha', async () => {
    expect(await source.resolve('main')).toEqual({ ref: 'main', sha: shas.two });
    expect((await source.resolve('feature')).sha).toBe(shas.one);
    expect((await source.resolve('v1')).sha).toBe(shas.one);
    expect((await source.resolve('v1-annotated')).sha).toBe(shas.one);
    expect((await source.resolve(shas.one!.slice(0, 8))).sha).toBe(shas.one);
    expect(await source.resolve(shas.two!)).toEqual({ ref: shas.two, sha: shas.two });
  });

  it('fails with REVISION_NOT_FOUND listing what it tried', async () => {
    const err = await source.resolve('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriftlessError);
    expect((err as DriftlessError).code).toBe('REVISION_NOT_FOUND');
    expect((err as DriftlessError).message).toContain('refs/heads/nope, refs/tags/nope');
    await expect(source.resolve('--upload-pack=x')).rejects.toMatchObject({ code: 'REVISION_NOT_FOUND' });
    await expect(source.tree({ ref: 'x', sha: '0'.repeat(40) })).rejects.toMatchObject({ code: 'REVISION_NOT_FOUND' });
  });

  it('fails with SOURCE_UNAVAILABLE for a folder that is not a repository', async () => {
    const err = await createLocalGitSource(join(temp, 'absent')).resolve('main').catch((e: unknown) => e);
    expect((err as DriftlessError).code).toBe('SOURCE_UNAVAILABLE');
    expect((err as DriftlessError).message).toContain(join(temp, 'absent'));
  });

  it('refuses a folder inside another repository (git would read the enclosing one) with SOURCE_INVALID', async () => {
    const inner = join(repo, 'nested-folder');
    mkdirSync(inner, { recursive: true });
    const err = await createLocalGitSource(inner).resolve('main').catch((e: unknown) => e);
    expect((err as DriftlessError).code).toBe('SOURCE_INVALID');
    expect((err as DriftlessError).message).toContain('inside another git repository');
  });

  it('lists a tree at a commit with symlinks and submodules, and reads files as of that commit', async () => {
    const one = await source.tree(await source.resolve('v1'));
    const entries = await one.entries();
    expect(entries.map((e) => e.path)).toEqual(['README.md', 'apps/link.yaml', 'apps/web/deploy.yaml']);
    expect(entries[1]).toMatchObject({ type: 'symlink', target: '../web/deploy.yaml' });
    expect(entries[2]).toMatchObject({ type: 'file', size: 8 });
    expect(new TextDecoder().decode(await one.read('apps/web/deploy.yaml'))).toBe('kind: A\n');
    await expect(one.read('apps/link.yaml')).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
    await expect(one.read('missing.yaml')).rejects.toMatchObject({ code: 'SOURCE_INVALID' });

    const two = await source.tree(await source.resolve('main'));
    expect((await two.entries()).find((e) => e.path === 'vendor/sub')).toMatchObject({ type: 'submodule', sha: shas.one });
    expect(new TextDecoder().decode(await two.read('apps/web/deploy.yaml'))).toBe('kind: B\n');
  });

  it('reads 600 files quickly in one batch', async () => {
    const tree = await source.tree(await source.resolve('main'));
    const paths = (await tree.entries()).filter((e) => e.path.startsWith('many/')).map((e) => e.path);
    expect(paths).toHaveLength(600);
    const started = Date.now();
    const contents = await Promise.all(paths.map((p) => tree.read(p)));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(new TextDecoder().decode(contents[599])).toBe('n: 599\n');
  });

  it('lists changed paths between two commits', async () => {
    const changed = await source.changedPaths!(shas.one!, shas.two!);
    expect(changed).toContain('apps/web/deploy.yaml');
    expect(changed).toContain('vendor/sub');
    expect(changed).toHaveLength(602);
    expect(await source.changedPaths!('0'.repeat(40), shas.two!)).toBeUndefined();
  });
});
