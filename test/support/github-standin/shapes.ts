import type { components } from '@octokit/openapi-types';
import type { RawCommit, RawDiffEntry, RawTreeEntry } from './git.ts';

/**
 * Response bodies typed with GitHub's published OpenAPI shapes, so `tsc` proves the stand-in answers
 * what real clients are typed to expect. The very large schemas (repository, issue) are typed as Picks
 * of the fields driftless and Octokit read.
 */
type S = components['schemas'];

export interface Ctx {
  /** e.g. http://127.0.0.1:1234/api/v3 — the API base without the trailing slash. */
  api: string;
  web: string;
  owner: string;
  repo: string;
}

const repoApi = (c: Ctx): string => `${c.api}/repos/${c.owner}/${c.repo}`;
const nodeId = (kind: string, id: string | number): string => Buffer.from(`${kind}:${id}`).toString('base64');

export function user(c: Ctx, login = 'driftless-bot', id = 1): S['simple-user'] {
  const u = `${c.api}/users/${login}`;
  return {
    login, id, node_id: nodeId('User', id), avatar_url: `${c.web}/avatars/${login}`, gravatar_id: '', url: u, html_url: `${c.web}/${login}`,
    followers_url: `${u}/followers`, following_url: `${u}/following{/other_user}`, gists_url: `${u}/gists{/gist_id}`, starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`, organizations_url: `${u}/orgs`, repos_url: `${u}/repos`, events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`, type: 'User', site_admin: false,
  };
}

export type RepositoryShape = Pick<S['full-repository'], 'id' | 'node_id' | 'name' | 'full_name' | 'private' | 'default_branch' | 'html_url' | 'url' | 'owner' | 'visibility' | 'archived' | 'disabled'>;

export function repository(c: Ctx, defaultBranch: string): RepositoryShape {
  const owner = user(c, c.owner, 2);
  return {
    id: 1000, node_id: nodeId('Repository', 1000), name: c.repo, full_name: `${c.owner}/${c.repo}`, private: true,
    default_branch: defaultBranch, html_url: `${c.web}/${c.owner}/${c.repo}`, url: repoApi(c), owner, visibility: 'private', archived: false, disabled: false,
  };
}

export function gitRef(c: Ctx, ref: string, sha: string, type = 'commit'): S['git-ref'] {
  const objectKind = type === 'tag' ? 'tags' : 'commits';
  return { ref, node_id: nodeId('Ref', ref), url: `${repoApi(c)}/git/${ref}`, object: { type, sha, url: `${repoApi(c)}/git/${objectKind}/${sha}` } };
}

export function gitCommit(c: Ctx, raw: RawCommit): S['git-commit'] {
  return {
    sha: raw.sha, node_id: nodeId('Commit', raw.sha), url: `${repoApi(c)}/git/commits/${raw.sha}`, html_url: `${c.web}/${c.owner}/${c.repo}/commit/${raw.sha}`,
    author: raw.author, committer: raw.committer, message: raw.message.replace(/\n$/, ''),
    tree: { sha: raw.tree, url: `${repoApi(c)}/git/trees/${raw.tree}` },
    parents: raw.parents.map((p) => ({ sha: p, url: `${repoApi(c)}/git/commits/${p}`, html_url: `${c.web}/${c.owner}/${c.repo}/commit/${p}` })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

export function commit(c: Ctx, raw: RawCommit, files?: RawDiffEntry[]): S['commit'] {
  const body: S['commit'] = {
    url: `${repoApi(c)}/commits/${raw.sha}`, sha: raw.sha, node_id: nodeId('Commit', raw.sha), html_url: `${c.web}/${c.owner}/${c.repo}/commit/${raw.sha}`,
    comments_url: `${repoApi(c)}/commits/${raw.sha}/comments`,
    commit: {
      url: `${repoApi(c)}/git/commits/${raw.sha}`, author: raw.author, committer: raw.committer, message: raw.message.replace(/\n$/, ''), comment_count: 0,
      tree: { sha: raw.tree, url: `${repoApi(c)}/git/trees/${raw.tree}` },
    },
    author: null, committer: null,
    parents: raw.parents.map((p) => ({ sha: p, url: `${repoApi(c)}/commits/${p}`, html_url: `${c.web}/${c.owner}/${c.repo}/commit/${p}` })),
  };
  if (files) body.files = files.map((f) => diffEntry(c, raw.sha, f));
  return body;
}

export function diffEntry(c: Ctx, sha: string, f: RawDiffEntry): S['diff-entry'] {
  const entry: S['diff-entry'] = {
    sha: null, filename: f.filename, status: f.status, additions: 0, deletions: 0, changes: 0,
    blob_url: `${c.web}/${c.owner}/${c.repo}/blob/${sha}/${f.filename}`, raw_url: `${c.web}/${c.owner}/${c.repo}/raw/${sha}/${f.filename}`,
    contents_url: `${repoApi(c)}/contents/${f.filename}?ref=${sha}`,
  };
  if (f.previous_filename !== undefined) entry.previous_filename = f.previous_filename;
  return entry;
}

export function branch(c: Ctx, name: string, raw: RawCommit): S['branch-with-protection'] {
  return {
    name, commit: commit(c, raw), _links: { html: `${c.web}/${c.owner}/${c.repo}/tree/${name}`, self: `${repoApi(c)}/branches/${name}` },
    protected: false, protection: { enabled: false }, protection_url: `${repoApi(c)}/branches/${name}/protection`,
  };
}

export function gitTree(c: Ctx, sha: string, entries: RawTreeEntry[], truncated: boolean): S['git-tree'] {
  return {
    sha, url: `${repoApi(c)}/git/trees/${sha}`, truncated,
    tree: entries.map((e) => {
      const item: S['git-tree']['tree'][number] = { path: e.path, mode: e.mode, type: e.type, sha: e.sha };
      if (e.size !== undefined) item.size = e.size;
      if (e.type !== 'commit') item.url = `${repoApi(c)}/git/${e.type === 'tree' ? 'trees' : 'blobs'}/${e.sha}`;
      return item;
    }),
  };
}

export function blob(c: Ctx, sha: string, data: Buffer): S['blob'] {
  // GitHub wraps base64 content at 60 characters with "\n"; clients must tolerate it.
  const content = (data.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n';
  return { sha, node_id: nodeId('Blob', sha), size: data.length, url: `${repoApi(c)}/git/blobs/${sha}`, content, encoding: 'base64' };
}

export function comparison(c: Ctx, base: RawCommit, mergeBase: RawCommit, commits: RawCommit[], files: RawDiffEntry[], head: string, behindBy: number): S['commit-comparison'] {
  const aheadBy = commits.length;
  const status = aheadBy === 0 && behindBy === 0 ? 'identical' : behindBy === 0 ? 'ahead' : aheadBy === 0 ? 'behind' : 'diverged';
  const basehead = `${base.sha}...${head}`;
  return {
    url: `${repoApi(c)}/compare/${basehead}`, html_url: `${c.web}/${c.owner}/${c.repo}/compare/${basehead}`, permalink_url: `${c.web}/${c.owner}/${c.repo}/compare/${basehead}`,
    diff_url: `${c.web}/${c.owner}/${c.repo}/compare/${basehead}.diff`, patch_url: `${c.web}/${c.owner}/${c.repo}/compare/${basehead}.patch`,
    base_commit: commit(c, base), merge_base_commit: commit(c, mergeBase), status, ahead_by: aheadBy, behind_by: behindBy, total_commits: aheadBy,
    commits: commits.slice(0, 250).map((k) => commit(c, k)),
    // GitHub lists at most 300 files and says nothing else about the rest.
    files: files.slice(0, 300).map((f) => diffEntry(c, head, f)),
  };
}

export function status(c: Ctx, id: number, sha: string, body: { state: string; description: string | null; target_url: string | null; context: string }, at: string): S['status'] {
  return {
    url: `${repoApi(c)}/statuses/${sha}`, avatar_url: null, id, node_id: nodeId('StatusContext', id), state: body.state, description: body.description,
    target_url: body.target_url, context: body.context, created_at: at, updated_at: at, creator: user(c),
  };
}

export function deployment(c: Ctx, id: number, d: { sha: string; ref: string; task: string; payload: Record<string, unknown> | string; environment: string; description: string | null; transient_environment: boolean; production_environment: boolean }, at: string): S['deployment'] {
  return {
    url: `${repoApi(c)}/deployments/${id}`, id, node_id: nodeId('Deployment', id), sha: d.sha, ref: d.ref, task: d.task, payload: d.payload,
    original_environment: d.environment, environment: d.environment, description: d.description, creator: user(c), created_at: at, updated_at: at,
    statuses_url: `${repoApi(c)}/deployments/${id}/statuses`, repository_url: repoApi(c), transient_environment: d.transient_environment, production_environment: d.production_environment,
  };
}

export function deploymentStatus(c: Ctx, id: number, deploymentId: number, d: { state: S['deployment-status']['state']; description: string; environment: string; target_url: string; log_url: string; environment_url: string }, at: string): S['deployment-status'] {
  return {
    url: `${repoApi(c)}/deployments/${deploymentId}/statuses/${id}`, id, node_id: nodeId('DeploymentStatus', id), state: d.state, creator: user(c),
    description: d.description, environment: d.environment, target_url: d.target_url, log_url: d.log_url, environment_url: d.environment_url, created_at: at, updated_at: at,
    deployment_url: `${repoApi(c)}/deployments/${deploymentId}`, repository_url: repoApi(c),
  };
}

export type IssueShape = Pick<S['issue'], 'id' | 'node_id' | 'number' | 'title' | 'body' | 'state' | 'state_reason' | 'url' | 'html_url' | 'labels' | 'user' | 'created_at' | 'updated_at' | 'closed_at' | 'comments' | 'locked' | 'comments_url' | 'repository_url'>;

export interface IssueData {
  title: string;
  body: string | null;
  /** Label names; shown as GitHub's label objects. */
  labels: string[];
  state?: 'open' | 'closed';
  state_reason?: S['issue']['state_reason'];
  comments?: unknown[];
  updated_at?: string;
  closed_at?: string | null;
}

/** GitHub answers labels on an issue as objects (id, name, color…), though it accepts names when writing. */
export function label(c: Ctx, id: number, name: string, color: string): { id: number; node_id: string; url: string; name: string; description: string | null; color: string; default: boolean } {
  return { id, node_id: nodeId('Label', id), url: `${repoApi(c)}/labels/${encodeURIComponent(name)}`, name, description: null, color, default: false };
}

export function issue(c: Ctx, n: number, d: IssueData, at: string, labelOf: (name: string) => { id: number; color: string } = () => ({ id: 0, color: 'ededed' })): IssueShape {
  return {
    id: 5000 + n, node_id: nodeId('Issue', n), number: n, title: d.title, body: d.body, state: d.state ?? 'open', state_reason: d.state_reason ?? null,
    url: `${repoApi(c)}/issues/${n}`, repository_url: repoApi(c), comments_url: `${repoApi(c)}/issues/${n}/comments`,
    html_url: `${c.web}/${c.owner}/${c.repo}/issues/${n}`, labels: d.labels.map((name) => { const l = labelOf(name); return label(c, l.id, name, l.color); }),
    user: user(c), created_at: at, updated_at: d.updated_at ?? at, closed_at: d.closed_at ?? null, comments: d.comments?.length ?? 0, locked: false,
  };
}

export type IssueCommentShape = Pick<S['issue-comment'], 'id' | 'node_id' | 'url' | 'body' | 'html_url' | 'user' | 'created_at' | 'updated_at' | 'issue_url' | 'author_association'>;

export function issueComment(c: Ctx, issueNumber: number, id: number, body: string, at: string): IssueCommentShape {
  return {
    id, node_id: nodeId('IssueComment', id), url: `${repoApi(c)}/issues/comments/${id}`, body, html_url: `${c.web}/${c.owner}/${c.repo}/issues/${issueNumber}#issuecomment-${id}`,
    user: user(c), created_at: at, updated_at: at, issue_url: `${repoApi(c)}/issues/${issueNumber}`, author_association: 'NONE',
  };
}

export function installationToken(token: string, expiresAt: string): S['installation-token'] {
  return { token, expires_at: expiresAt, permissions: { contents: 'read', statuses: 'write', deployments: 'write', issues: 'write' }, repository_selection: 'selected' };
}

export function basicError(message: string, docs = 'https://docs.github.com/rest'): S['basic-error'] {
  return { message, documentation_url: docs };
}
