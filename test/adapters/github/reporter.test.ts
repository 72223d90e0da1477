import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOctokitProvider } from '../../../src/adapters/github/client.ts';
import type { OctokitProvider } from '../../../src/adapters/github/client.ts';
import { createGitHubReporter } from '../../../src/adapters/github/reporter.ts';
import { createThrottledWriter } from '../../../src/adapters/github/writer.ts';
import type { SyncResult } from '../../../src/core/types.ts';
import { startGitHubStandin } from '../../support/github-standin/index.ts';
import type { GitHubStandin } from '../../support/github-standin/index.ts';
import { createTestRepo } from '../../support/github-standin/fixture.ts';
import type { TestRepo } from '../../support/github-standin/fixture.ts';

const owner = 'acme';
const repo = 'deploy';

function result(app: string, sha: string, patch: Partial<SyncResult> = {}): SyncResult {
  return {
    app, revision: { ref: 'main', sha }, status: 'Synced', startedAt: '', finishedAt: '', dryRun: false, pruned: [], displacedManagers: [], health: 'Healthy', errors: [],
    objects: [{ ref: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' }, action: 'update', outcome: 'applied' }],
    ...patch,
  };
}

describe('GitHub reporter', () => {
  let git: TestRepo;
  let gh: GitHubStandin;
  let client: OctokitProvider;
  let old: string;
  let head: string;
  const errors: unknown[] = [];
  beforeAll(async () => {
    git = createTestRepo({ 'a.yaml': 'a: 1\n' });
    old = git.git('rev-parse', 'HEAD');
    head = git.commit({ 'a.yaml': 'a: 2\n' });
    gh = await startGitHubStandin({ repos: { [`${owner}/${repo}`]: git.dir }, tokens: ['pat'] });
    client = createOctokitProvider({ owner, repo, apiUrl: gh.apiUrl, auth: { token: 'pat' }, retry: { attempts: 1 } });
  });
  afterAll(async () => {
    await gh.stop();
    git.remove();
  });
  const reporter = (deployments: boolean, writer = createThrottledWriter()) =>
    createGitHubReporter({ owner, repo, client, publicUrl: 'https://driftless.example.com/', deployments, writer, onError: (err) => errors.push(err) });

  it('posts pending then success statuses and a deployment with in_progress → success', async () => {
    // Another CI context still pending on the commit: GitHub's default required_contexts would answer 409.
    await (await client()).repos.createCommitStatus({ owner, repo, sha: old, state: 'pending', context: 'ci/build' });
    const r = reporter(true);
    await r.started('web', { ref: 'main', sha: old }, 'sync-1');
    await r.flush(); // a real sync takes a while; back-to-back calls would supersede in_progress
    await r.finished(result('web', old), 'sync-1');
    expect(errors).toEqual([]);
    const statuses = gh.statuses(owner, repo, old).filter((s) => s.context === 'driftless/web');
    expect(statuses.map((s) => [s.state, s.description])).toEqual([
      ['pending', 'Syncing web to ' + old.slice(0, 7)],
      ['success', `Synced 1 object (1 changed, 0 pruned) at ${old.slice(0, 7)}`],
    ]);
    expect(statuses[1]!.target_url).toBe('https://driftless.example.com/syncs/sync-1');
    const [deployment] = gh.deployments(owner, repo);
    expect(deployment).toMatchObject({ sha: old, ref: old, environment: 'web', task: 'deploy', payload: { syncId: 'sync-1', app: 'web' } });
    expect(gh.deploymentStatuses(owner, repo, Number(deployment!.id)).map((s) => s.state)).toEqual(['in_progress', 'success']);
  });

  it('reports a failed render as failure with a truncated first error and the deployment as error', async () => {
    const r = reporter(true);
    await r.started('api', { ref: 'main', sha: head }, 'sync-2');
    await r.flush();
    await r.finished(result('api', head, { status: 'Failed', objects: [], errors: [{ code: 'RENDER_FAILED', message: 'kustomize: '.repeat(40) }] }), 'sync-2');
    expect(errors).toEqual([]);
    const final = gh.statuses(owner, repo, head).filter((s) => s.context === 'driftless/api').at(-1)!;
    expect(final.state).toBe('failure');
    expect(Array.from(final.description!).length).toBe(140);
    expect(final.description).toMatch(/^Failed at [0-9a-f]{7}: RENDER_FAILED: kustomize/);
    const deployment = gh.deployments(owner, repo).find((d) => d.environment === 'api')!;
    expect(gh.deploymentStatuses(owner, repo, Number(deployment.id)).map((s) => s.state)).toEqual(['in_progress', 'error']);
  });

  it('creates no deployment when deployments are off', async () => {
    const before = gh.deployments(owner, repo).length;
    const r = reporter(false);
    await r.started('quiet', { ref: 'main', sha: head }, 'sync-3');
    await r.finished(result('quiet', head, { status: 'Degraded', health: 'Degraded' }), 'sync-3');
    expect(gh.deployments(owner, repo)).toHaveLength(before);
    expect(gh.statuses(owner, repo, head).filter((s) => s.context === 'driftless/quiet').map((s) => s.state)).toEqual(['pending', 'failure']);
  });

  it('drops the pending status under backlog and sends only the final one', async () => {
    const writer = createThrottledWriter();
    let release!: () => void;
    let running!: () => void;
    const busy = new Promise<void>((r) => (running = r));
    const blocker = writer.write({ label: 'backlog', run: () => new Promise<void>((r) => { release = r; running(); }) });
    await busy;
    const r = reporter(false, writer);
    await r.started('burst', { ref: 'main', sha: head }, 'sync-4');
    const done = r.finished(result('burst', head), 'sync-4');
    release();
    await Promise.all([blocker, done, r.flush()]);
    expect(gh.statuses(owner, repo, head).filter((s) => s.context === 'driftless/burst').map((s) => s.state)).toEqual(['success']);
    expect(writer.stats().dropped).toBe(1);
  });

  it('waits out a secondary rate limit on a write and retries it', async () => {
    gh.resetCalls();
    gh.inject({ method: 'POST', path: /\/statuses\//, status: 403, count: 1, headers: { 'retry-after': '0.1' } });
    const writer = createThrottledWriter();
    const r = reporter(false, writer);
    await r.finished(result('limited', head), 'sync-5');
    expect(gh.calls().filter((c) => c.method === 'POST').map((c) => c.status)).toEqual([403, 201]);
    expect(writer.stats().retried).toBe(1);
    expect(gh.statuses(owner, repo, head).filter((s) => s.context === 'driftless/limited').map((s) => s.state)).toEqual(['success']);
  });

  it('never fails the sync when GitHub refuses a write; the error goes to onError', async () => {
    const seen: unknown[] = [];
    const r = createGitHubReporter({ owner, repo, client, deployments: false, writer: createThrottledWriter(), onError: (err) => seen.push(err) });
    await expect(r.finished(result('x', '0'.repeat(40)), 'sync-6')).resolves.toBeUndefined();
    expect(seen).toHaveLength(1);
    expect((seen[0] as { status?: number }).status).toBe(422);
  });
});

describe('createAppRoutedReporter', () => {
  it('sends each app to its own reporter and skips apps without one', async () => {
    const { createAppRoutedReporter } = await import('../../../src/adapters/github/routed-reporter.ts');
    const seen: string[] = [];
    const web = { started: async (app: string) => void seen.push(`started ${app}`), finished: async (r: SyncResult) => void seen.push(`finished ${r.app}`) };
    const routed = createAppRoutedReporter((app) => (app === 'web' ? web : undefined));
    await routed.started('web', { ref: 'main', sha: 'a'.repeat(40) }, 's');
    await routed.started('local', { ref: 'main', sha: 'a'.repeat(40) }, 's');
    await routed.finished(result('web', 'a'.repeat(40)), 's');
    await routed.finished(result('local', 'a'.repeat(40)), 's');
    expect(seen).toEqual(['started web', 'finished web']);
  });
});
