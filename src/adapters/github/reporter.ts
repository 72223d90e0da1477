import { DriftlessError } from '../../core/errors.ts';
import type { Revision, SyncResult } from '../../core/types.ts';
import type { Reporter } from '../../ports/reporter.ts';
import { createOctokitProvider } from './client.ts';
import type { GitHubClientOptions, OctokitProvider } from './client.ts';
import { summarizeSync, truncateDescription } from './summary.ts';
import type { ThrottledWriter } from './writer.ts';

type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'success';

export interface GitHubReporterOptions {
  owner: string;
  repo: string;
  /** An existing connection (shared with the source), or client options to make one. */
  client?: OctokitProvider;
  connection?: GitHubClientOptions;
  /** `server.publicUrl`: statuses link to `{publicUrl}/syncs/{id}`. */
  publicUrl?: string;
  /** Create a GitHub Deployment per sync (per app; on by default). */
  deployments: boolean | ((app: string) => boolean);
  writer: ThrottledWriter;
  /** Reporting never fails a sync; failures land here (default: a warning on stderr). */
  onError?: (err: unknown, what: string) => void;
}

export interface GitHubReporter extends Reporter {
  /** Waits until every queued write has been sent or dropped. */
  flush(): Promise<void>;
}

export const statusContext = (app: string): string => `driftless/${app}`;

function deploymentState(result: SyncResult): DeploymentState {
  if (result.status === 'Synced') return 'success';
  if (result.status === 'DryRun') return 'inactive';
  if (result.status === 'Degraded') return 'failure';
  // Nothing reached the cluster: driftless could not deploy (render, source…), rather than a failed rollout.
  const touched = result.objects.some((o) => o.outcome === 'applied' || o.outcome === 'pruned' || o.outcome === 'failed');
  return touched ? 'failure' : 'error';
}

/** Commit statuses `driftless/<app>` and Deployments, every write through one ThrottledWriter. */
export function createGitHubReporter(options: GitHubReporterOptions): GitHubReporter {
  const { owner, repo, writer } = options;
  if (!options.client && !options.connection) throw new DriftlessError('CONFIG_INVALID', `GitHub reporter for ${owner}/${repo} needs a client or connection options`, { field: 'github' });
  const client = options.client ?? createOctokitProvider(options.connection!);
  const onError = options.onError ?? ((err: unknown, what: string) => console.warn(`driftless: reporting to GitHub failed (${what}): ${err instanceof Error ? err.message : String(err)}`));
  const deploymentsFor = (app: string): boolean => (typeof options.deployments === 'function' ? options.deployments(app) : options.deployments);
  const targetUrl = (syncId: string): string | undefined => (options.publicUrl ? `${options.publicUrl.replace(/\/+$/, '')}/syncs/${encodeURIComponent(syncId)}` : undefined);
  const deploymentIds = new Map<string, Promise<number | undefined>>();

  const guarded = <T>(what: string, p: Promise<T>): Promise<T | undefined> =>
    p.catch((err: unknown) => {
      onError(err, what);
      return undefined;
    });

  function status(app: string, sha: string, state: 'pending' | 'success' | 'failure' | 'error', description: string, syncId: string): Promise<unknown> {
    const context = statusContext(app);
    return guarded(`status ${context}@${sha.slice(0, 7)}`, writer.write({
      label: `status ${context}@${sha.slice(0, 7)} ${state}`,
      key: `status:${sha}:${context}`,
      supersedable: state === 'pending',
      run: async () => (await client()).repos.createCommitStatus({ owner, repo, sha, state, context, description: truncateDescription(description), target_url: targetUrl(syncId) }),
    }));
  }

  function createDeployment(app: string, revision: Revision, syncId: string): Promise<number | undefined> {
    const created = guarded(`deployment ${app}@${revision.sha.slice(0, 7)}`, writer.write({
      label: `deployment ${app}@${revision.sha.slice(0, 7)}`,
      run: async () => {
        const res = await (await client()).repos.createDeployment({
          owner, repo, ref: revision.sha, environment: app, task: 'deploy', auto_merge: false, required_contexts: [],
          payload: { syncId, app, ref: revision.ref }, description: truncateDescription(`driftless sync ${syncId} of ${app}`),
        });
        return 'id' in res.data ? Number(res.data.id) : undefined;
      },
    })).then((id) => id ?? undefined);
    deploymentIds.set(syncId, created);
    return created;
  }

  function deploymentStatus(app: string, syncId: string, state: DeploymentState, description: string): Promise<unknown> {
    return guarded(`deployment status ${app} ${state}`, writer.write({
      label: `deployment status ${app} ${state}`,
      key: `deployment-status:${syncId}`,
      supersedable: state === 'in_progress',
      run: async () => {
        const id = await deploymentIds.get(syncId);
        if (id === undefined) return undefined;
        const url = targetUrl(syncId);
        return (await client()).repos.createDeploymentStatus({ owner, repo, deployment_id: id, state, environment: app, description: truncateDescription(description), ...(url ? { log_url: url, target_url: url } : {}) });
      },
    }));
  }

  return {
    async started(app, revision, syncId) {
      // Queued, not awaited: a slow or rate-limited GitHub must not hold up the sync itself.
      void status(app, revision.sha, 'pending', `Syncing ${app} to ${revision.sha.slice(0, 7)}`, syncId);
      if (deploymentsFor(app)) {
        void createDeployment(app, revision, syncId);
        void deploymentStatus(app, syncId, 'in_progress', `Syncing ${app} to ${revision.sha.slice(0, 7)}`);
      }
    },
    async finished(result, syncId) {
      const summary = summarizeSync(result);
      const state = result.status === 'Synced' || result.status === 'DryRun' ? 'success' : 'failure';
      const writes: Promise<unknown>[] = [status(result.app, result.revision.sha, state, summary, syncId)];
      if (deploymentsFor(result.app)) {
        if (!deploymentIds.has(syncId)) void createDeployment(result.app, result.revision, syncId);
        writes.push(deploymentStatus(result.app, syncId, deploymentState(result), summary));
      }
      await Promise.all(writes);
      deploymentIds.delete(syncId);
    },
    flush: () => writer.idle(),
  };
}
