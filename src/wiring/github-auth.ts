import type { GitHubAuth } from '../adapters/github/index.ts';
import type { GitHubRepositoryConfig } from '../config/types.ts';
import type { SecretRef } from '../ports/secrets.ts';
import type { SecretCache } from '../secrets/cache.ts';

/**
 * A repository's GitHub credentials from the secret cache, and how to re-read them after a 401:
 * the token (or App key) is refreshed through the cache (at most once per secret per 30 s) and
 * handed back only when it changed, so a wrong token costs one re-read, not one per request.
 */
export async function githubAuth(github: GitHubRepositoryConfig, secrets: SecretCache): Promise<{ auth: GitHubAuth; refreshAuth: () => Promise<GitHubAuth | undefined> } | undefined> {
  const ref: SecretRef | undefined = github.app ? github.app.privateKey : github.token;
  if (!ref) return undefined;
  const make = (value: string): GitHubAuth =>
    github.app ? { appId: github.app.appId, privateKey: value, ...(github.app.installationId !== undefined ? { installationId: github.app.installationId } : {}) } : { token: value };
  let used = await secrets.resolve(ref);
  return {
    auth: make(used),
    async refreshAuth() {
      if (!(await secrets.refresh(ref, used))) return undefined;
      used = await secrets.resolve(ref);
      return make(used);
    },
  };
}
