import { createHash } from 'node:crypto';
import { DriftlessError } from '../../core/errors.ts';
import type { Revision } from '../../core/types.ts';
import type { ContentCache } from '../../ports/content-cache.ts';
import type { Source, SourceTree, TreeEntry } from '../../ports/source.ts';
import { createOctokitProvider } from './client.ts';
import type { GitHubClientOptions, OctokitProvider } from './client.ts';
import { mapGitHubError } from './errors.ts';
import { resolveEntry } from './paths.ts';
import { httpStatusOf } from './retry.ts';
import { listRecursive, toEntries } from './tree.ts';

export interface GitHubSourceOptions extends GitHubClientOptions {
  cache: ContentCache;
  /** Share one connection (and its installation token) with the reporter. */
  client?: OctokitProvider;
  /** Parallel blob downloads (default 8). */
  blobConcurrency?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const fullSha = /^[0-9a-f]{40}$/;

/** Git's blob id: sha1("blob <size>\0" + content). Guards the cache against corrupt or mismatched content. */
export function gitBlobSha(data: Uint8Array): string {
  return createHash('sha1').update(`blob ${data.byteLength}\0`).update(data).digest('hex');
}

function limiter(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Source over the GitHub REST API. A warm sync of a push costs: resolve 1 (a 304 when nothing moved,
 * free of rate limit) + tree 1 + one call per blob whose SHA the content cache does not hold.
 */
export function createGitHubSource(options: GitHubSourceOptions): Source {
  const { owner, repo, cache } = options;
  const name = `${owner}/${repo}`;
  const client = options.client ?? createOctokitProvider(options);
  const limit = limiter(options.blobConcurrency ?? 8);
  const etags = new Map<string, { etag: string; sha: string }>();
  const inflight = new Map<string, Promise<Uint8Array>>();

  async function fetchBlob(sha: string, file: string): Promise<Uint8Array> {
    const cached = await cache.get(sha);
    if (cached) return cached;
    const pending = inflight.get(sha);
    if (pending) return pending;
    const job = limit(async () => {
      const octokit = await client();
      const res = await octokit.git.getBlob({ owner, repo, file_sha: sha }).catch((err: unknown) => {
        throw mapGitHubError(err, name, `reading ${file}`);
      });
      const data = new Uint8Array(Buffer.from(res.data.content, res.data.encoding === 'base64' ? 'base64' : 'utf8'));
      if (gitBlobSha(data) !== sha) throw new DriftlessError('SOURCE_UNAVAILABLE', `GitHub returned content for ${file} in ${name} that does not match blob ${sha}`, { file, transient: true });
      await cache.set(sha, data);
      return data;
    }).finally(() => inflight.delete(sha));
    inflight.set(sha, job);
    return job;
  }

  async function resolve(ref: string): Promise<Revision> {
    if (fullSha.test(ref) && (await cache.get(`commit:${ref}`))) return { ref, sha: ref };
    const octokit = await client();
    const known = etags.get(ref);
    let sha: string;
    try {
      const res = await octokit.repos.getCommit({ owner, repo, ref, mediaType: { format: 'sha' }, headers: known ? { 'if-none-match': known.etag } : {} });
      sha = String(res.data).trim();
      if (res.headers.etag) etags.set(ref, { etag: res.headers.etag, sha });
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 304 && known) sha = known.sha;
      else if (status === 404 || status === 422) {
        throw new DriftlessError('REVISION_NOT_FOUND', `Revision ${ref} does not exist in ${name}: check the branch, tag or commit SHA (and that it was pushed)`, { field: 'revision' }, { cause: err });
      } else throw mapGitHubError(err, name, `resolving ${ref}`);
    }
    if (!fullSha.test(sha)) throw new DriftlessError('GITHUB_ERROR', `GitHub answered an unexpected commit id for ${ref} in ${name}`);
    await cache.set(`commit:${sha}`, encoder.encode('1'));
    return { ref, sha };
  }

  async function entriesAt(sha: string): Promise<TreeEntry[]> {
    const key = `tree:${sha}`;
    const cached = await cache.get(key);
    if (cached) return JSON.parse(decoder.decode(cached)) as TreeEntry[];
    const octokit = await client();
    let entries: TreeEntry[];
    try {
      entries = toEntries(await listRecursive({ octokit, owner, repo }, sha));
    } catch (err) {
      if (httpStatusOf(err) === 404 || httpStatusOf(err) === 422) throw new DriftlessError('REVISION_NOT_FOUND', `Commit ${sha} does not exist in ${name}`, { field: 'revision' }, { cause: err });
      throw mapGitHubError(err, name, `listing the tree of ${sha}`);
    }
    await Promise.all(entries.filter((e) => e.type === 'symlink').map(async (e) => {
      e.target = decoder.decode(await fetchBlob(e.sha!, e.path));
    }));
    await cache.set(key, encoder.encode(JSON.stringify(entries)));
    return entries;
  }

  return {
    resolve,
    async tree(revision: Revision): Promise<SourceTree> {
      const entries = await entriesAt(revision.sha);
      const byPath = new Map(entries.map((e) => [e.path, e]));
      return {
        revision,
        entries: async () => entries.map((e) => ({ ...e })),
        read: async (path: string) => {
          const entry = resolveEntry(byPath, path, name);
          return fetchBlob(entry.sha!, path);
        },
      };
    },
    async changedPaths(from: string, to: string): Promise<string[] | undefined> {
      const octokit = await client();
      try {
        const res = await octokit.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${from}...${to}`, per_page: 1 });
        const files = res.data.files ?? [];
        // GitHub lists at most 300 files and does not say whether it stopped there.
        if (files.length >= 300) return undefined;
        return [...new Set(files.flatMap((f) => (f.previous_filename ? [f.filename, f.previous_filename] : [f.filename])))].sort();
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw mapGitHubError(err, name, `comparing ${from}...${to}`);
      }
    },
  };
}
