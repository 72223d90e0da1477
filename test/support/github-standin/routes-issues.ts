import * as shape from './shapes.ts';
import { notFound, validationFailed } from './types.ts';
import type { IssueRecord, Reply, RepoState, Route, RouteInput } from './types.ts';

/*
 * Issues as GitHub's REST API answers them: listing filters by state (default open) and by labels
 * (an issue must carry every one), newest first, paginated with a Link header; labels come back as
 * objects and are created on first use; bodies and comments over 65,536 characters are refused
 * with GitHub's own 422s.
 */

type Body = Record<string, unknown>;
const bodyOf = (input: RouteInput): Body => (input.body && typeof input.body === 'object' ? (input.body as Body) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const maxBody = 65_536;
const docs = 'https://docs.github.com/rest/issues';
const tooLong = (text: string): boolean => [...text].length > maxBody;
const stateReasons: IssueRecord['state_reason'][] = ['completed', 'reopened', 'not_planned', 'duplicate'];

function labelNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((l) => (typeof l === 'string' ? l : l && typeof l === 'object' ? str((l as Body).name) : undefined)).filter((l): l is string => l !== undefined && l !== '');
}

function ensureLabels(input: RouteInput, names: string[]): void {
  for (const name of names) {
    if (!input.repo.labels.some((l) => l.name.toLowerCase() === name.toLowerCase())) input.repo.labels.push({ id: input.nextId(), name, color: 'ededed' });
  }
}

export function issueShape(repo: RepoState, ctx: shape.Ctx, i: IssueRecord): shape.IssueShape {
  return shape.issue(ctx, i.number, i, i.created_at, (name) => repo.labels.find((l) => l.name.toLowerCase() === name.toLowerCase()) ?? { id: 0, color: 'ededed' });
}

async function createIssue(input: RouteInput): Promise<Reply> {
  const body = bodyOf(input);
  const title = str(body.title);
  if (!title) return validationFailed('Issue', 'title', 'title is missing', 'missing_field');
  const text = str(body.body) ?? null;
  if (text !== null && tooLong(text)) return validationFailed('Issue', 'body', `body is too long (maximum is ${maxBody} characters)`);
  const labels = labelNames(body.labels);
  ensureLabels(input, labels);
  const at = input.now();
  const record: IssueRecord = { number: input.repo.issues.length + 1, title, body: text, labels, state: 'open', state_reason: null, comments: [], created_at: at, updated_at: at, closed_at: null };
  input.repo.issues.push(record);
  return { status: 201, body: issueShape(input.repo, input.ctx, record) };
}

function listIssues(input: RouteInput): Reply {
  const q = input.query;
  const state = q.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(state)) return validationFailed('Issue', 'state', 'state is not included in the list', 'invalid');
  const wanted = (q.get('labels') ?? '').split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
  const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
  const matching = [...input.repo.issues].reverse()
    .filter((i) => state === 'all' || i.state === state)
    .filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)));
  const last = Math.max(1, Math.ceil(matching.length / perPage));
  const headers: Record<string, string> = {};
  if (page < last) {
    const link = (n: number) => {
      const params = new URLSearchParams(q);
      params.set('page', String(n));
      params.set('per_page', String(perPage));
      return `<${input.ctx.api}/repos/${input.ctx.owner}/${input.ctx.repo}/issues?${params}>`;
    };
    headers.link = `${link(page + 1)}; rel="next", ${link(last)}; rel="last"`;
  }
  return { status: 200, body: matching.slice((page - 1) * perPage, page * perPage).map((i) => issueShape(input.repo, input.ctx, i)), headers };
}

function findIssue(input: RouteInput): IssueRecord | undefined {
  return input.repo.issues.find((i) => i.number === Number(input.params[0]));
}

async function updateIssue(input: RouteInput): Promise<Reply> {
  const issue = findIssue(input);
  if (!issue) return notFound();
  const body = bodyOf(input);
  if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed') return validationFailed('Issue', 'state', 'state is not included in the list', 'invalid');
  if (body.state_reason !== undefined && body.state_reason !== null && !stateReasons.includes(body.state_reason as IssueRecord['state_reason'])) {
    return validationFailed('Issue', 'state_reason', 'state_reason is not included in the list', 'invalid');
  }
  if (typeof body.body === 'string' && tooLong(body.body)) return validationFailed('Issue', 'body', `body is too long (maximum is ${maxBody} characters)`);
  const at = input.now();
  if (typeof body.title === 'string') issue.title = body.title;
  if (typeof body.body === 'string' || body.body === null) issue.body = body.body;
  if (body.labels !== undefined) {
    issue.labels = labelNames(body.labels);
    ensureLabels(input, issue.labels);
  }
  if (body.state === 'closed' && issue.state === 'open') {
    issue.state = 'closed';
    issue.closed_at = at;
    issue.state_reason = (body.state_reason as IssueRecord['state_reason'] | undefined) ?? 'completed';
  } else if (body.state === 'open' && issue.state === 'closed') {
    issue.state = 'open';
    issue.closed_at = null;
    issue.state_reason = 'reopened';
  }
  issue.updated_at = at;
  return { status: 200, body: issueShape(input.repo, input.ctx, issue) };
}

async function createComment(input: RouteInput): Promise<Reply> {
  const issue = findIssue(input);
  if (!issue) return notFound();
  const text = str(bodyOf(input).body);
  if (!text) return validationFailed('IssueComment', 'body', 'body is missing', 'missing_field');
  if (tooLong(text)) return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: `Body is too long (maximum is ${maxBody} characters)` }], documentation_url: `${docs}/comments#create-an-issue-comment` } };
  const record = { id: input.nextId(), body: text, created_at: input.now() };
  issue.comments.push(record);
  issue.updated_at = record.created_at;
  return { status: 201, body: shape.issueComment(input.ctx, issue.number, record.id, record.body, record.created_at) };
}

async function listComments(input: RouteInput): Promise<Reply> {
  const issue = findIssue(input);
  if (!issue) return notFound();
  return { status: 200, body: issue.comments.map((c) => shape.issueComment(input.ctx, issue.number, c.id, c.body, c.created_at)) };
}

export const issueRoutes: Route[] = [
  ['POST', /^\/issues$/, createIssue],
  ['GET', /^\/issues$/, async (input) => listIssues(input)],
  ['GET', /^\/issues\/(\d+)$/, async (input) => {
    const issue = findIssue(input);
    return issue ? { status: 200, body: issueShape(input.repo, input.ctx, issue) } : notFound();
  }],
  ['PATCH', /^\/issues\/(\d+)$/, updateIssue],
  ['POST', /^\/issues\/(\d+)\/comments$/, createComment],
  ['GET', /^\/issues\/(\d+)\/comments$/, listComments],
];
