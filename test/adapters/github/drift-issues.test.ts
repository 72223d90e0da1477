import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOctokitProvider, type OctokitProvider } from '../../../src/adapters/github/client.ts';
import { composeIssueBody, createGitHubDriftIssues, driftLabel, driftMarker, maxIssueBodyChars, type DriftIssueBody } from '../../../src/adapters/github/drift-issues.ts';
import { createThrottledWriter } from '../../../src/adapters/github/writer.ts';
import type { DriftRecord } from '../../../src/ports/state.ts';
import { driftMarkdown } from '../../../src/drift/markdown.ts';
import { startGitHubStandin, type GitHubStandin } from '../../support/github-standin/index.ts';
import { createTestRepo, type TestRepo } from '../../support/github-standin/fixture.ts';
import { driftReport, replicasDrift } from '../../support/drift-reports.ts';

const owner = 'acme';
const repo = 'gitops';
const writes = (gh: GitHubStandin) => gh.calls().filter((c) => c.method !== 'GET');

describe('GitHub drift issues (stand-in over sockets)', () => {
  let git: TestRepo;
  let gh: GitHubStandin;
  let client: OctokitProvider;
  beforeAll(async () => {
    git = createTestRepo({ 'a.yaml': 'a: 1\n' });
    gh = await startGitHubStandin({ repos: { [`${owner}/${repo}`]: git.dir }, tokens: ['pat'] });
    client = createOctokitProvider({ owner, repo, apiUrl: gh.apiUrl, auth: { token: 'pat' }, retry: { attempts: 1 } });
  });
  afterAll(async () => {
    await gh.stop();
    git.remove();
  });
  beforeEach(() => gh.resetCalls());

  const issues = (body: DriftIssueBody = driftMarkdown) =>
    createGitHubDriftIssues({ owner, repo, client, body, publicUrl: 'https://driftless.example.com/', writer: createThrottledWriter({ sleep: async () => {} }) });
  const mine = (app: string) => gh.issues(owner, repo).filter((i) => i.body?.includes(driftMarker(app)));

  it('opens on drift, edits the body on change (no comment), writes nothing when unchanged, closes with a comment', async () => {
    const notifier = issues();
    const drifted: DriftRecord = driftReport('web', 'OutOfSync');
    expect(await notifier.notify(drifted)).toBe(true);
    let [issue] = mine('web');
    expect(issue).toMatchObject({ state: 'open', title: 'Drift: web differs from Git', labels: [expect.objectContaining({ name: driftLabel })] });
    expect(issue!.body).toContain('#### `Deployment.apps shop/web`: modified in the cluster');
    expect(issue!.body).toContain('| `/spec/replicas` | `2` | `5` | `kubectl-edit` |');
    expect(issue!.body).toContain('https://driftless.example.com/apps/web/drift');
    // Found by label and marker, through the issue list (never the search API).
    expect(gh.calls().some((c) => c.path.startsWith('/search'))).toBe(false);
    expect(gh.calls().find((c) => c.method === 'GET')).toMatchObject({ path: `/repos/${owner}/${repo}/issues`, query: expect.stringContaining('labels=driftless%3Adrift') });

    gh.resetCalls();
    // The body shows no check time: the same drift checked later writes nothing; a new live value is an edit.
    await notifier.notify({ ...drifted, checkedAt: 'later' });
    expect(writes(gh)).toEqual([]);
    await notifier.notify(driftReport('web', 'OutOfSync', { objects: [replicasDrift('kubectl-edit', 'shop', 'web', 7)] }));
    expect(writes(gh).map((c) => c.method)).toEqual(['PATCH']);
    expect(mine('web')[0]!.body).toContain('| `7` |');

    const changed = driftReport('web', 'OutOfSync', { objects: [replicasDrift('hpa', 'shop', 'web', 9)], checkedAt: 'later' });
    await notifier.notify(changed, { at: 't', managers: ['hpa'], fields: ['Deployment shop/web /spec/replicas'], message: 'something keeps fighting Git: hpa changed Deployment shop/web /spec/replicas.' });
    [issue] = mine('web');
    expect(mine('web')).toHaveLength(1);
    expect(issue!.body).toContain('| `hpa` |');
    expect(issue!.body).toContain('**Self-heal suspended.** something keeps fighting Git');
    expect(gh.issueComments(owner, repo, issue!.number)).toEqual([]);

    gh.resetCalls();
    await notifier.notify(driftReport('web', 'Synced', { checkedAt: '2026-03-01T12:00:00Z' }));
    [issue] = mine('web');
    expect(issue).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(gh.issueComments(owner, repo, issue!.number).map((c) => c.body)).toEqual([`web is back in sync with ${'b'.repeat(12)} (checked 2026-03-01T12:00:00Z). Closing.`]);
    expect(writes(gh).map((c) => c.method)).toEqual(['POST', 'PATCH']);

    // Back in sync with nothing open: nothing to write. Drift again: a new issue.
    gh.resetCalls();
    await notifier.notify(driftReport('web', 'Synced'));
    expect(writes(gh)).toEqual([]);
    await notifier.notify(drifted);
    expect(mine('web').map((i) => i.state)).toEqual(['closed', 'open']);
    expect(await notifier.notify(driftReport('web', 'Unknown'))).toBe(false);
  });

  it('finds its own issue among other apps\' and unrelated labelled issues, across pages', async () => {
    const octokit = await client();
    for (let i = 0; i < 3; i++) await octokit.rest.issues.create({ owner, repo, title: `someone else ${i}`, body: 'no marker here', labels: [driftLabel] });
    const notifier = issues();
    await notifier.notify(driftReport('api', 'OutOfSync'));
    for (let i = 0; i < 105; i++) await octokit.rest.issues.create({ owner, repo, title: `filler ${i}`, body: driftMarker(`other${i}`), labels: [driftLabel] });
    gh.resetCalls();
    await notifier.notify(driftReport('api', 'OutOfSync', { objects: [replicasDrift('m', 'shop', 'api', 3)] }));
    expect(mine('api')).toHaveLength(1);
    expect(mine('api')[0]!.body).toContain('Deployment.apps shop/api');
    expect(gh.calls().filter((c) => c.method === 'GET' && c.path.endsWith('/issues'))).toHaveLength(2);
    expect(writes(gh).map((c) => c.method)).toEqual(['PATCH']);
  });

  it('keeps the body under GitHub\'s 65,536 characters, ending with a link to the full report', async () => {
    const huge: DriftIssueBody = () => 'x'.repeat(100_000);
    await issues(huge).notify(driftReport('big', 'OutOfSync'));
    const [issue] = mine('big');
    expect(issue!.body!.length).toBeLessThanOrEqual(maxIssueBodyChars);
    expect(issue!.body!.trimEnd().endsWith('the full report is at https://driftless.example.com/apps/big/drift')).toBe(true);
    // A renderer that respects maxChars is not cut.
    const fitted = composeIssueBody(driftReport('big', 'OutOfSync'), (_r, o) => 'y'.repeat(o.maxChars!), undefined);
    expect(fitted.length).toBeLessThanOrEqual(maxIssueBodyChars);
    expect(fitted).not.toContain('truncated');
  });

  it('retries a failed write (5xx) through the writer; a permanent refusal rejects for the caller to log', async () => {
    gh.inject({ method: 'POST', path: '/issues', status: 502, count: 1 });
    await issues().notify(driftReport('flaky', 'OutOfSync'));
    expect(mine('flaky')).toHaveLength(1);
    expect(gh.calls().filter((c) => c.method === 'POST').map((c) => c.status)).toEqual([502, 201]);

    // A secondary rate limit: the writer waits as long as GitHub's retry-after says before writing again.
    const slept: number[] = [];
    gh.inject({ method: 'PATCH', path: '/issues/', status: 403, count: 1, headers: { 'retry-after': '7' } });
    const spaced = createGitHubDriftIssues({ owner, repo, client, body: driftMarkdown, writer: createThrottledWriter({ sleep: async (ms) => void slept.push(ms) }) });
    await spaced.notify(driftReport('flaky', 'OutOfSync', { objects: [replicasDrift('kubectl-edit', 'shop', 'flaky', 8)] }));
    expect(slept.some((ms) => ms >= 6000 && ms <= 7000)).toBe(true);
    expect(mine('flaky')[0]!.body).toContain('Deployment.apps shop/flaky');

    const missing = createGitHubDriftIssues({
      owner, repo: 'nope', body: driftMarkdown, writer: createThrottledWriter({ sleep: async () => {} }),
      client: createOctokitProvider({ owner, repo: 'nope', apiUrl: gh.apiUrl, auth: { token: 'pat' }, retry: { attempts: 1 } }),
    });
    await expect(missing.notify(driftReport('web', 'OutOfSync'))).rejects.toMatchObject({ status: 404 });
  });
});
