import { isAncestor } from './git.ts';
import * as shape from './shapes.ts';
import { notFound, validationFailed } from './types.ts';
import type { DeploymentStatusRecord, Reply, RepoState, Route, RouteInput, StatusRecord } from './types.ts';

type Body = Record<string, unknown>;
const bodyOf = (input: RouteInput): Body => (input.body && typeof input.body === 'object' ? (input.body as Body) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const created = (body: unknown): Reply => ({ status: 201, body });
const statusStates = ['error', 'failure', 'pending', 'success'];
const deploymentStates: DeploymentStatusRecord['state'][] = ['error', 'failure', 'inactive', 'pending', 'success', 'queued', 'in_progress'];

/** Newest state per context on a commit, as GitHub's combined status computes it. */
export function latestContexts(repo: RepoState, sha: string): Map<string, string> {
  const latest = new Map<string, string>();
  for (const s of repo.statuses) if (s.sha === sha) latest.set(s.context, s.state);
  return latest;
}

async function createStatus(input: RouteInput): Promise<Reply> {
  const sha = input.params[0]!;
  const body = bodyOf(input);
  if (!/^[0-9a-f]{40}$/.test(sha) || (await input.repo.git.objectType(sha)) !== 'commit') {
    return { status: 422, body: { message: `No commit found for SHA: ${sha}`, documentation_url: 'https://docs.github.com/rest/commits/statuses#create-a-commit-status' } };
  }
  const state = str(body.state);
  if (!state || !statusStates.includes(state)) return validationFailed('Status', 'state', 'state is not included in the list', 'invalid');
  const description = str(body.description) ?? null;
  if (description !== null && [...description].length > 140) return validationFailed('Status', 'description', 'description is too long (maximum is 140 characters)');
  const record: StatusRecord = { id: input.nextId(), sha, state, description, target_url: str(body.target_url) ?? null, context: str(body.context) ?? 'default', created_at: input.now() };
  input.repo.statuses.push(record);
  return created(shape.status(input.ctx, record.id, sha, record, record.created_at));
}

async function defaultHead(input: RouteInput): Promise<{ name: string; sha: string | undefined }> {
  const name = (await input.repo.git.run(['symbolic-ref', '--short', 'HEAD']).catch(() => 'main')).trim() || 'main';
  return { name, sha: await input.repo.git.peel(`refs/heads/${name}`, 'commit') };
}

async function createDeployment(input: RouteInput): Promise<Reply> {
  const body = bodyOf(input);
  const ref = str(body.ref);
  if (!ref) return validationFailed('Deployment', 'ref', 'ref is missing', 'missing_field');
  const sha = await input.repo.git.peel(ref, 'commit');
  if (!sha) return { status: 422, body: { message: `No ref found for: ${ref}`, documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment' } };
  // The default auto_merge=true merges the default branch into the ref first; when the ref does not
  // already contain the default branch this stand-in answers 409 (it never writes merges into the test repo).
  const autoMerge = body.auto_merge !== false;
  if (autoMerge) {
    const head = await defaultHead(input);
    if (head.sha && head.sha !== sha && !(await isAncestor(input.repo.git, head.sha, sha))) {
      return { status: 409, body: { message: `Conflict merging ${head.name} into ${ref}.`, documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment' } };
    }
  }
  // Absent required_contexts means "every context on the commit must be success".
  const required = Array.isArray(body.required_contexts) ? body.required_contexts.filter((c): c is string => typeof c === 'string') : undefined;
  const latest = latestContexts(input.repo, sha);
  const checks = required ?? [...latest.keys()];
  const failing = checks.filter((c) => latest.get(c) !== 'success').map((context) => ({ context, state: latest.get(context) ?? 'missing' }));
  if (failing.length > 0) {
    return { status: 409, body: { message: `Conflict: Commit status checks failed for ${ref}.`, errors: [{ contexts: failing, resource: 'Deployment', field: 'required_contexts', code: 'invalid' }], documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment' } };
  }
  const environment = str(body.environment) ?? 'production';
  const payload = typeof body.payload === 'string' || (body.payload && typeof body.payload === 'object') ? (body.payload as Record<string, unknown> | string) : {};
  const record = {
    id: input.nextId(), sha, ref, task: str(body.task) ?? 'deploy', payload, environment, description: str(body.description) ?? null, auto_merge: autoMerge, required_contexts: required,
    transient_environment: body.transient_environment === true, production_environment: typeof body.production_environment === 'boolean' ? body.production_environment : environment === 'production', created_at: input.now(),
  };
  input.repo.deployments.push(record);
  return created(shape.deployment(input.ctx, record.id, record, record.created_at));
}

async function listDeployments(input: RouteInput): Promise<Reply> {
  const q = input.query;
  const list = input.repo.deployments
    .filter((d) => (!q.get('sha') || d.sha === q.get('sha')) && (!q.get('ref') || d.ref === q.get('ref')) && (!q.get('environment') || d.environment === q.get('environment')) && (!q.get('task') || d.task === q.get('task')))
    .reverse();
  return { status: 200, body: list.map((d) => shape.deployment(input.ctx, d.id, d, d.created_at)) };
}

async function createDeploymentStatus(input: RouteInput): Promise<Reply> {
  const deployment = input.repo.deployments.find((d) => d.id === Number(input.params[0]));
  if (!deployment) return notFound();
  const body = bodyOf(input);
  const state = str(body.state) as DeploymentStatusRecord['state'] | undefined;
  if (!state || !deploymentStates.includes(state)) return validationFailed('DeploymentStatus', 'state', 'state is not included in the list', 'invalid');
  const description = str(body.description) ?? '';
  if ([...description].length > 140) return validationFailed('DeploymentStatus', 'description', 'description is too long (maximum is 140 characters)');
  const record: DeploymentStatusRecord = {
    id: input.nextId(), deploymentId: deployment.id, state, description, environment: str(body.environment) ?? deployment.environment,
    target_url: str(body.target_url) ?? '', log_url: str(body.log_url) ?? str(body.target_url) ?? '', environment_url: str(body.environment_url) ?? '', created_at: input.now(),
  };
  input.repo.deploymentStatuses.push(record);
  return created(shape.deploymentStatus(input.ctx, record.id, deployment.id, record, record.created_at));
}

async function listDeploymentStatuses(input: RouteInput): Promise<Reply> {
  const id = Number(input.params[0]);
  if (!input.repo.deployments.some((d) => d.id === id)) return notFound();
  const list = input.repo.deploymentStatuses.filter((s) => s.deploymentId === id).reverse();
  return { status: 200, body: list.map((s) => shape.deploymentStatus(input.ctx, s.id, id, s, s.created_at)) };
}

export const writeRoutes: Route[] = [
  ['POST', /^\/statuses\/([^/]+)$/, createStatus],
  ['POST', /^\/deployments$/, createDeployment],
  ['GET', /^\/deployments$/, listDeployments],
  ['POST', /^\/deployments\/(\d+)\/statuses$/, createDeploymentStatus],
  ['GET', /^\/deployments\/(\d+)\/statuses$/, listDeploymentStatuses],
];
