import { commitsBetween, diffFiles, listTree, mergeBase, readCommit } from './git.ts';
import * as shape from './shapes.ts';
import { notFound } from './types.ts';
import type { Reply, Route, RouteInput } from './types.ts';

const json = (body: unknown): Reply => ({ status: 200, body });

async function defaultBranch(input: RouteInput): Promise<string> {
  const head = (await input.repo.git.run(['symbolic-ref', '--short', 'HEAD']).catch(() => 'main')).trim();
  return head || 'main';
}

async function refObject(input: RouteInput, ref: string): Promise<ReturnType<typeof shape.gitRef> | undefined> {
  const full = `refs/${ref}`;
  const sha = (await input.repo.git.run(['rev-parse', '--verify', '--quiet', full]).catch(() => '')).trim();
  if (!sha) return undefined;
  const type = (await input.repo.git.objectType(sha)) ?? 'commit';
  return shape.gitRef(input.ctx, full, sha, type);
}

async function noCommit(ref: string): Promise<Reply> {
  return { status: 422, body: { message: `No commit found for SHA: ${ref}`, documentation_url: 'https://docs.github.com/rest/commits/commits#get-a-commit' } };
}

export const readRoutes: Route[] = [
  ['GET', /^$/, async (input) => json(shape.repository(input.ctx, await defaultBranch(input)))],
  ['GET', /^\/git\/ref\/(.+)$/, async (input) => {
    const ref = await refObject(input, input.params[0]!);
    return ref ? json(ref) : notFound();
  }],
  ['GET', /^\/git\/matching-refs\/(.+)$/, async (input) => {
    const prefix = `refs/${input.params[0]!}`;
    const out = await input.repo.git.run(['for-each-ref', '--format=%(refname)', prefix.replace(/\/$/, '')]).catch(() => '');
    const all = await input.repo.git.run(['for-each-ref', '--format=%(refname)']);
    const names = new Set([...out.split('\n'), ...all.split('\n').filter((r) => r.startsWith(prefix))].filter(Boolean));
    const refs = await Promise.all([...names].sort().map((n) => refObject(input, n.slice('refs/'.length))));
    return json(refs.filter((r) => r !== undefined));
  }],
  ['GET', /^\/branches\/(.+)$/, async (input) => {
    const name = input.params[0]!;
    const sha = await input.repo.git.peel(`refs/heads/${name}`, 'commit');
    if (!sha) return { status: 404, body: { message: 'Branch not found', documentation_url: 'https://docs.github.com/rest/branches/branches#get-a-branch' } };
    return json(shape.branch(input.ctx, name, await readCommit(input.repo.git, sha)));
  }],
  ['GET', /^\/commits\/(.+)\/statuses$/, async (input) => {
    const sha = await input.repo.git.peel(input.params[0]!, 'commit');
    if (!sha) return noCommit(input.params[0]!);
    const list = input.repo.statuses.filter((s) => s.sha === sha).reverse();
    return json(list.map((s) => shape.status(input.ctx, s.id, s.sha, s, s.created_at)));
  }],
  ['GET', /^\/commits\/(.+)$/, async (input) => {
    const ref = input.params[0]!;
    const sha = await input.repo.git.peel(ref, 'commit');
    if (!sha) return noCommit(ref);
    if (/vnd\.github(\.v3)?\.sha/.test(input.accept)) return { status: 200, text: sha };
    const raw = await readCommit(input.repo.git, sha);
    const files = await diffFiles(input.repo.git, raw.parents[0] ?? '4b825dc642cb6eb9a060e54bf8d69288fbee4904', sha);
    return json(shape.commit(input.ctx, raw, files));
  }],
  ['GET', /^\/git\/commits\/([0-9a-f]{40})$/, async (input) => {
    const sha = input.params[0]!;
    if ((await input.repo.git.objectType(sha)) !== 'commit') return notFound();
    return json(shape.gitCommit(input.ctx, await readCommit(input.repo.git, sha)));
  }],
  ['GET', /^\/git\/trees\/(.+)$/, async (input) => {
    const sha = await input.repo.git.peel(input.params[0]!, 'tree');
    if (!sha) return notFound();
    const recursive = input.query.has('recursive') && !['0', 'false', ''].includes(input.query.get('recursive') ?? '');
    const entries = await listTree(input.repo.git, sha, recursive);
    // GitHub truncates listings past its limits (100,000 entries or 7 MB); the limit is configurable here.
    const truncated = entries.length > input.treeEntryLimit;
    return json(shape.gitTree(input.ctx, sha, truncated ? entries.slice(0, input.treeEntryLimit) : entries, truncated));
  }],
  ['GET', /^\/git\/blobs\/([0-9a-f]{40})$/, async (input) => {
    const sha = input.params[0]!;
    const object = await input.repo.git.object(sha);
    if (object?.type !== 'blob') return notFound();
    return json(shape.blob(input.ctx, sha, object.data));
  }],
  ['GET', /^\/compare\/(.+?)\.\.\.(.+)$/, async (input) => {
    const [baseRef, headRef] = [input.params[0]!, input.params[1]!];
    const base = await input.repo.git.peel(baseRef, 'commit');
    const head = await input.repo.git.peel(headRef, 'commit');
    if (!base || !head) return notFound();
    const mb = await mergeBase(input.repo.git, base, head);
    if (!mb) return notFound();
    const ahead = await commitsBetween(input.repo.git, mb, head);
    const behind = await commitsBetween(input.repo.git, mb, base);
    const files = await diffFiles(input.repo.git, mb, head);
    const commits = await Promise.all(ahead.map((sha) => readCommit(input.repo.git, sha)));
    const body = shape.comparison(input.ctx, await readCommit(input.repo.git, base), await readCommit(input.repo.git, mb), commits, files, head, behind.length);
    return json(body);
  }],
];
