import { createGitHubDriftIssues, createOctokitProvider, type DriftIssueBody } from '../adapters/github/index.ts';
import type { ThrottledWriter } from '../adapters/github/writer.ts';
import type { DriftlessConfig } from '../config/types.ts';
import type { DriftNotifier } from '../ports/drift-notifier.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import { asSecretCache, type SecretCache } from '../secrets/cache.ts';
import { githubAuth } from './github-auth.ts';

/**
 * Drift issues for apps whose repository is on GitHub and that have them turned on
 * (app `driftIssues`, else `server.driftIssues`): one notifier per repository, every write
 * through the writer the commit statuses use (GitHub's secondary limits count per identity).
 * Apps on local `git:` repositories get none.
 */
export function createConfiguredDriftNotifier(config: DriftlessConfig, resolver: SecretResolver | SecretCache, writer: ThrottledWriter, body: DriftIssueBody): DriftNotifier {
  const secrets = asSecretCache(resolver);
  const notifiers = new Map<string, Promise<DriftNotifier | undefined>>();
  const forApp = (appName: string): Promise<DriftNotifier | undefined> => {
    const app = config.apps.find((a) => a.name === appName);
    const repository = app && config.repositories[app.repository];
    if (!app || !repository || !('github' in repository)) return Promise.resolve(undefined);
    if (!(app.driftIssues ?? config.server.driftIssues)) return Promise.resolve(undefined);
    let notifier = notifiers.get(repository.name);
    if (!notifier) {
      const gh = repository.github;
      notifier = githubAuth(gh, secrets).then((credentials) => credentials && createGitHubDriftIssues({
        owner: gh.owner, repo: gh.repo, writer, body,
        client: createOctokitProvider({ owner: gh.owner, repo: gh.repo, ...credentials, ...(gh.apiUrl ? { apiUrl: gh.apiUrl } : {}) }),
        ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
      }));
      notifier.catch(() => notifiers.delete(repository.name));
      notifiers.set(repository.name, notifier);
    }
    return notifier;
  };
  return {
    async notify(record, suspension) {
      const notifier = await forApp(record.app);
      // A failure is thrown to the drift service, which logs it and tries again on the next run.
      return notifier ? notifier.notify(record, suspension) : false;
    },
  };
}
