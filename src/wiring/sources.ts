import path from 'node:path';
import { DriftlessError } from '../core/errors.ts';
import type { DriftlessConfig, RepositoryConfig } from '../config/types.ts';
import { gitUrlRefused, isGitUrl } from '../config/git-url.ts';
import type { ContentCache } from '../ports/content-cache.ts';
import type { Metrics } from '../ports/metrics.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import { asSecretCache, type SecretCache } from '../secrets/cache.ts';
import { githubAuth } from './github-auth.ts';
import type { Source } from '../ports/source.ts';
import { createLocalGitSource } from '../adapters/git-local/local-git-source.ts';
import { createGitHubSource } from '../adapters/github/source.ts';
import { createMemoryContentCache } from '../adapters/github/memory-cache.ts';

/**
 * A configured repository as a Source. Kept apart from the runtime so that the Lambda http function
 * can resolve revisions without bundling the cluster and renderer adapters.
 */
export async function createConfiguredSource(
  repository: RepositoryConfig,
  config: DriftlessConfig,
  secrets: SecretResolver | SecretCache,
  cache: ContentCache = createMemoryContentCache(),
  /** Counts the GitHub API requests of a github: repository. */
  metrics?: Metrics,
): Promise<Source> {
  if ('git' in repository) {
    // loadConfig refuses URLs already; a config built in code gets the same answer here.
    if (isGitUrl(repository.git)) {
      throw new DriftlessError('CONFIG_INVALID', `repository ${repository.name}: git: ${gitUrlRefused(repository.git)}`, { file: config.file, field: `repositories.${repository.name}.git` });
    }
    return createLocalGitSource(path.resolve(path.dirname(config.file), repository.git));
  }
  const gh = repository.github;
  // The token (or App key) is re-read through the cache after GitHub's 401: rotation without a restart.
  const credentials = await githubAuth(gh, asSecretCache(secrets));
  if (!credentials) throw new DriftlessError('CONFIG_INVALID', `repository ${repository.name}: github needs token or app credentials`, { file: config.file, field: `repositories.${repository.name}.github` });
  return createGitHubSource({ owner: gh.owner, repo: gh.repo, ...(gh.apiUrl ? { apiUrl: gh.apiUrl } : {}), ...credentials, cache, ...(metrics ? { metrics } : {}) });
}
