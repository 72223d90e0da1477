import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openRepo } from './git.ts';
import { readRoutes } from './routes-read.ts';
import { writeRoutes } from './routes-write.ts';
import { issueRoutes, issueShape } from './routes-issues.ts';
import { authenticate, appRoute } from './auth.ts';
import type { AuthState } from './auth.ts';
import * as shape from './shapes.ts';
import { notFound } from './types.ts';
import type { Reply, RepoState, Route } from './types.ts';

export type { StatusRecord, DeploymentRecord, DeploymentStatusRecord, IssueRecord, CommentRecord } from './types.ts';

export interface GitHubStandinOptions {
  /** "owner/repo" → path of a real local git repository. */
  repos: Record<string, string>;
  /** Accepted PATs. Undefined with no app configured: anonymous access is allowed. */
  tokens?: string[];
  /** Enables GitHub App auth: JWTs are verified with this key's public half. */
  appPrivateKeyPem?: string;
  appId?: string | number;
  installationId?: number;
  installationTokenTtlSeconds?: number;
  /** Recursive trees over this many entries come back `truncated` (GitHub: 100,000). */
  treeEntryLimit?: number;
  /** Primary rate limit per identity and hour (GitHub: 5,000). */
  rateLimit?: number;
}

export interface CallRecord {
  method: string;
  /** Path without query and without a GitHub Enterprise `/api/v3` prefix. */
  path: string;
  query: string;
  /** True when the request came through the GitHub Enterprise `/api/v3` prefix. */
  enterprise: boolean;
  status: number;
  identity: string;
  accept: string;
}

export interface Fault {
  method?: string;
  path?: RegExp | string;
  status: 403 | 429 | 500 | 502 | 503;
  count: number;
  headers?: Record<string, string>;
  /** For 403/429: which limit to imitate. Default: secondary when a retry-after header is given. */
  rateLimit?: 'primary' | 'secondary';
}

export interface GitHubStandin {
  /** Base URL; also the API URL (github.com layout). `${url}/api/v3` works too, as on GitHub Enterprise. */
  url: string;
  apiUrl: string;
  calls(): CallRecord[];
  resetCalls(): void;
  inject(fault: Fault): void;
  statuses(owner: string, repo: string, sha: string): ReturnType<typeof shape.status>[];
  deployments(owner: string, repo: string): ReturnType<typeof shape.deployment>[];
  deploymentStatuses(owner: string, repo: string, deploymentId: number): ReturnType<typeof shape.deploymentStatus>[];
  /** Every issue, open and closed, oldest first. */
  issues(owner: string, repo: string): ReturnType<typeof shape.issue>[];
  /** The comments of one issue, oldest first. */
  issueComments(owner: string, repo: string, issue: number): ReturnType<typeof shape.issueComment>[];
  /** Installation tokens issued so far (for expiry/caching assertions). */
  issuedTokens(): string[];
  stop(): Promise<void>;
}

const docs = 'https://docs.github.com/rest';
const secondaryMessage = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.';

function faultReply(fault: Fault, resetAt: number, limit: number): Reply {
  if (fault.status >= 500) return { status: fault.status, body: { message: fault.status === 503 ? 'Service Unavailable' : 'Server Error' }, headers: { ...fault.headers } };
  const secondary = fault.rateLimit === 'secondary' || (fault.rateLimit === undefined && fault.headers?.['retry-after'] !== undefined);
  if (secondary) return { status: fault.status, body: { message: secondaryMessage, documentation_url: `${docs}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits` }, headers: { ...fault.headers } };
  return {
    status: fault.status,
    body: { message: 'API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.', documentation_url: `${docs}/overview/rate-limits-for-the-rest-api` },
    headers: { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-used': String(limit), 'x-ratelimit-reset': String(resetAt), 'x-ratelimit-resource': 'core', ...fault.headers },
  };
}

function matches(fault: Fault, method: string, path: string): boolean {
  if (fault.count <= 0 || (fault.method && fault.method.toUpperCase() !== method)) return false;
  if (fault.path === undefined) return true;
  return typeof fault.path === 'string' ? path === fault.path || path.includes(fault.path) : fault.path.test(path);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

export async function startGitHubStandin(options: GitHubStandinOptions): Promise<GitHubStandin> {
  const repos = new Map<string, RepoState>();
  for (const [name, dir] of Object.entries(options.repos)) repos.set(name.toLowerCase(), { git: openRepo(dir), statuses: [], deployments: [], deploymentStatuses: [], issues: [], labels: [] });
  const auth: AuthState = { options, issued: new Map() };
  const limit = options.rateLimit ?? 5000;
  const buckets = new Map<string, { used: number; reset: number }>();
  const faults: Fault[] = [];
  let calls: CallRecord[] = [];
  let ids = 1;
  let base = '';

  const bucket = (identity: string): { used: number; reset: number } => {
    const nowS = Math.floor(Date.now() / 1000);
    let b = buckets.get(identity);
    if (!b || b.reset <= nowS) buckets.set(identity, (b = { used: 0, reset: nowS + 3600 }));
    return b;
  };

  async function route(method: string, path: string, query: URLSearchParams, accept: string, body: unknown, prefix: string): Promise<Reply> {
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return notFound();
    const repo = repos.get(`${m[1]}/${m[2]}`.toLowerCase());
    if (!repo) return notFound();
    const rest = decodeURIComponent(m[3] ?? '');
    const ctx: shape.Ctx = { api: `${base}${prefix}`, web: base, owner: m[1]!, repo: m[2]! };
    const routes: Route[] = [...readRoutes, ...writeRoutes, ...issueRoutes];
    for (const [routeMethod, pattern, handler] of routes) {
      const hit = pattern.exec(rest);
      if (!hit || routeMethod !== method) continue;
      return handler({ method, params: hit.slice(1), query, accept, body, repo, ctx, nextId: () => ids++, now: () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), treeEntryLimit: options.treeEntryLimit ?? 100_000 });
    }
    return notFound();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const prefix = url.pathname.startsWith('/api/v3/') ? '/api/v3' : '';
    const path = url.pathname.slice(prefix.length);
    const method = (req.method ?? 'GET').toUpperCase();
    const accept = String(req.headers.accept ?? '');
    const body = await readBody(req);
    const who = authenticate(auth, method, path, req.headers.authorization);
    let reply: Reply;
    let identity = 'anonymous';
    const headers: Record<string, string> = { 'x-github-request-id': randomUUID(), 'x-github-media-type': 'github.v3; format=json' };
    if ('reply' in who) {
      reply = who.reply;
    } else {
      identity = who.identity;
      const b = bucket(identity);
      const fault = faults.find((f) => matches(f, method, path));
      if (fault) {
        fault.count--;
        reply = faultReply(fault, b.reset, limit);
      } else if (b.used >= limit) {
        reply = faultReply({ status: 403, count: 1, rateLimit: 'primary' }, b.reset, limit);
      } else if (method === 'GET' && path === '/rate_limit') {
        // Like GitHub: reading the rate limit does not spend it.
        const rate = { limit, used: b.used, remaining: Math.max(0, limit - b.used), reset: b.reset };
        reply = { status: 200, body: { resources: { core: rate }, rate } };
      } else {
        reply = who.app ? await appRoute(auth, method, path, body, who.iss) : await route(method, path, url.searchParams, accept, body, prefix);
        const text = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
        if (method === 'GET' && reply.status === 200) {
          const etag = `W/"${createHash('sha256').update(accept).update('\0').update(text).digest('hex').slice(0, 32)}"`;
          headers.etag = etag;
          const inm = String(req.headers['if-none-match'] ?? '');
          // A 304 does not count against the primary rate limit, as on GitHub.
          if (inm.split(',').map((t) => t.trim()).includes(etag)) reply = { status: 304 };
        }
        if (reply.status !== 304 && !who.app) b.used++;
      }
      if (!reply.headers?.['x-ratelimit-remaining']) {
        Object.assign(headers, { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(Math.max(0, limit - b.used)), 'x-ratelimit-used': String(b.used), 'x-ratelimit-reset': String(b.reset), 'x-ratelimit-resource': 'core' });
      }
    }
    Object.assign(headers, reply.headers);
    calls.push({ method, path, query: url.search, enterprise: prefix !== '', status: reply.status, identity, accept });
    if (reply.status === 304) {
      res.writeHead(304, headers).end();
      return;
    }
    if (reply.text !== undefined) {
      res.writeHead(reply.status, { 'content-type': 'application/vnd.github.sha; charset=utf-8', ...headers }).end(reply.text);
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `stand-in error: ${String(err)}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const repoOf = (owner: string, repo: string): RepoState => {
    const state = repos.get(`${owner}/${repo}`.toLowerCase());
    if (!state) throw new Error(`stand-in has no repository ${owner}/${repo}`);
    return state;
  };
  const ctxOf = (owner: string, repo: string): shape.Ctx => ({ api: base, web: base, owner, repo });

  return {
    url: base,
    apiUrl: base,
    calls: () => [...calls],
    resetCalls: () => {
      calls = [];
    },
    inject: (fault) => void faults.push({ ...fault }),
    statuses: (owner, repo, sha) => repoOf(owner, repo).statuses.filter((s) => s.sha === sha).map((s) => shape.status(ctxOf(owner, repo), s.id, s.sha, s, s.created_at)),
    deployments: (owner, repo) => repoOf(owner, repo).deployments.map((d) => shape.deployment(ctxOf(owner, repo), d.id, d, d.created_at)),
    deploymentStatuses: (owner, repo, id) => repoOf(owner, repo).deploymentStatuses.filter((s) => s.deploymentId === id).map((s) => shape.deploymentStatus(ctxOf(owner, repo), s.id, id, s, s.created_at)),
    issues: (owner, repo) => repoOf(owner, repo).issues.map((i) => issueShape(repoOf(owner, repo), ctxOf(owner, repo), i)),
    issueComments: (owner, repo, n) => (repoOf(owner, repo).issues.find((i) => i.number === n)?.comments ?? []).map((c) => shape.issueComment(ctxOf(owner, repo), n, c.id, c.body, c.created_at)),
    issuedTokens: () => [...auth.issued.keys()],
    stop: () => new Promise<void>((resolve, reject) => {
      for (const state of repos.values()) state.git.close();
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
