import type { Ctx } from './shapes.ts';
import type { GitRepo } from './git.ts';

export interface Reply {
  status: number;
  body?: unknown;
  /** Plain-text body (e.g. the `application/vnd.github.sha` media type). */
  text?: string;
  headers?: Record<string, string>;
}

export interface StatusRecord {
  id: number;
  sha: string;
  state: string;
  description: string | null;
  target_url: string | null;
  context: string;
  created_at: string;
}

export interface DeploymentRecord {
  id: number;
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  environment: string;
  description: string | null;
  auto_merge: boolean;
  required_contexts: string[] | undefined;
  transient_environment: boolean;
  production_environment: boolean;
  created_at: string;
}

export interface DeploymentStatusRecord {
  id: number;
  deploymentId: number;
  state: 'error' | 'failure' | 'inactive' | 'pending' | 'success' | 'queued' | 'in_progress';
  description: string;
  environment: string;
  target_url: string;
  log_url: string;
  environment_url: string;
  created_at: string;
}

export interface IssueRecord {
  number: number;
  title: string;
  body: string | null;
  labels: string[];
  state: 'open' | 'closed';
  state_reason: 'completed' | 'reopened' | 'not_planned' | 'duplicate' | null;
  comments: CommentRecord[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface CommentRecord {
  id: number;
  body: string;
  created_at: string;
}

/** Repository labels: GitHub creates a missing label when an issue is created or edited with it. */
export interface LabelRecord {
  id: number;
  name: string;
  color: string;
}

export interface RepoState {
  git: GitRepo;
  statuses: StatusRecord[];
  deployments: DeploymentRecord[];
  deploymentStatuses: DeploymentStatusRecord[];
  issues: IssueRecord[];
  labels: LabelRecord[];
}

export interface RouteInput {
  method: string;
  params: string[];
  query: URLSearchParams;
  accept: string;
  body: unknown;
  repo: RepoState;
  ctx: Ctx;
  nextId(): number;
  now(): string;
  treeEntryLimit: number;
}

export type Route = [method: string, pattern: RegExp, handler: (input: RouteInput) => Promise<Reply>];

export const notFound = (): Reply => ({ status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } });

export function validationFailed(resource: string, field: string, message: string, code = 'custom'): Reply {
  return { status: 422, body: { message: 'Validation Failed', errors: [{ resource, code, field, message }], documentation_url: 'https://docs.github.com/rest' } };
}
