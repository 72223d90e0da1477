import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubSource } from '../../src/adapters/github/source.ts';
import { createMemoryContentCache } from '../../src/adapters/github/memory-cache.ts';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import type { SecretRef } from '../../src/ports/secrets.ts';
import { createSecretCache } from '../../src/secrets/cache.ts';
import { githubAuth } from '../../src/wiring/github-auth.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin/index.ts';
import { GitRepo } from '../e2e/sync-support.ts';
import { configMap } from '../sync/fixtures.ts';

let gh: GitHubStandin;
let repo: GitRepo;
let dir: string;
const tokens = ['ghp_first-token-1111'];

beforeAll(async () => {
  repo = new GitRepo();
  repo.commit({ 'app/cm.yaml': [configMap('one')] });
  gh = await startGitHubStandin({ repos: { 'acme/gitops': repo.dir }, tokens });
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-github-auth-'));
});

afterAll(async () => {
  await gh?.stop();
  repo?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function sourceWith(file: string) {
  const local = createLocalSecretResolver({ baseDir: dir });
  const reads: string[] = [];
  const secrets = createSecretCache({ resolve: (ref: SecretRef) => (reads.push(JSON.stringify(ref)), local.resolve(ref)) });
  const credentials = await githubAuth({ owner: 'acme', repo: 'gitops', apiUrl: gh.apiUrl, token: { file } }, secrets);
  const source = createGitHubSource({ owner: 'acme', repo: 'gitops', apiUrl: gh.apiUrl, ...credentials!, cache: createMemoryContentCache(), retry: { attempts: 1 } });
  return { source, reads };
}

describe('GitHub credentials through the secret cache', () => {
  it('a token rotated after it was read is re-read on GitHub\'s 401 and the request tried again with it', async () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, 'ghp_first-token-1111\n');
    const { source, reads } = await sourceWith(file);
    expect((await source.resolve('main')).sha).toMatch(/^[0-9a-f]{40}$/);
    writeFileSync(file, 'ghp_second-token-2222\n');
    tokens.splice(0, tokens.length, 'ghp_second-token-2222');
    repo.commit({ 'app/cm.yaml': [configMap('two')] });
    expect((await source.resolve('main')).sha).toMatch(/^[0-9a-f]{40}$/);
    expect(reads).toHaveLength(2);
    expect(gh.calls().filter((c) => c.status === 401)).toHaveLength(1);
  });

  it('a token GitHub keeps refusing is re-read once per 30 s, not once per request', async () => {
    const file = path.join(dir, 'wrong');
    writeFileSync(file, 'ghp_wrong-token-3333\n');
    const { source, reads } = await sourceWith(file);
    for (let i = 0; i < 4; i++) await expect(source.resolve('main')).rejects.toMatchObject({ code: 'GITHUB_ERROR' });
    expect(reads).toHaveLength(2);
  });
});
