import { createGitHubReporter, createThrottledWriter, type GitHubReporter, type ThrottledWriter } from '../adapters/github/index.ts';
import type { DriftlessConfig } from '../config/types.ts';
import type { Revision, SyncResult } from '../core/types.ts';
import type { Metrics } from '../ports/metrics.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import { asSecretCache, type SecretCache } from '../secrets/cache.ts';
import { githubAuth } from './github-auth.ts';
import type { Logger } from '../service/engine.ts';

export interface ConfiguredReporter {
  started(app: string, revision: Revision, syncId: string): Promise<void>;
  finished(result: SyncResult, syncId: string): Promise<void>;
  flush(): Promise<void>;
}

/**
 * Commit statuses and Deployments for apps whose repository is on GitHub: one reporter per
 * repository, all writes through one throttled writer (GitHub's secondary limits are per identity).
 * Apps from local git repositories report nothing.
 */
export function createConfiguredReporter(config: DriftlessConfig, resolver: SecretResolver | SecretCache, log: Logger, writer: ThrottledWriter = createThrottledWriter(), metrics?: Metrics): ConfiguredReporter {
  const secrets = asSecretCache(resolver);
  const reporters = new Map<string, Promise<GitHubReporter | undefined>>();
  const forApp = (appName: string): Promise<GitHubReporter | undefined> => {
    const app = config.apps.find((a) => a.name === appName);
    const repository = app && config.repositories[app.repository];
    if (!app || !repository || !('github' in repository)) return Promise.resolve(undefined);
    let reporter = reporters.get(repository.name);
    if (!reporter) {
      const gh = repository.github;
      reporter = githubAuth(gh, secrets).then((credentials) => credentials && createGitHubReporter({
        owner: gh.owner, repo: gh.repo, writer,
        connection: { owner: gh.owner, repo: gh.repo, ...credentials, ...(gh.apiUrl ? { apiUrl: gh.apiUrl } : {}), ...(metrics ? { metrics } : {}) },
        deployments: (name) => config.apps.find((a) => a.name === name)?.deployments ?? true,
        ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
        onError: (err, what) => log.warn('reporting to GitHub failed', { what, message: err instanceof Error ? err.message : String(err) }),
      }));
      reporter.catch(() => reporters.delete(repository.name));
      reporters.set(repository.name, reporter);
    }
    return reporter;
  };
  return {
    async started(app, revision, syncId) {
      await (await forApp(app))?.started(app, revision, syncId);
    },
    async finished(result, syncId) {
      await (await forApp(result.app))?.finished(result, syncId);
    },
    async flush() {
      for (const reporter of reporters.values()) await (await reporter.catch(() => undefined))?.flush();
    },
  };
}
