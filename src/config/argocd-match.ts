import path from 'node:path';
import type { ClusterConfig, RepositoryConfig } from './types.ts';
import { isGitUrl } from './git-url.ts';

/*
 * Mapping Argo CD's repoURL, targetRevision and destination onto driftless.yaml's repositories,
 * branches/revisions and clusters.
 */

export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
const IN_CLUSTER_NAME = 'in-cluster';

interface Slug {
  host: string;
  owner: string;
  repo: string;
}

/** host/owner/repo of https://host/owner/repo(.git), ssh://git@host/owner/repo.git or git@host:owner/repo.git */
function slugOf(url: string): Slug | undefined {
  const match =
    /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/i.exec(url) ??
    /^[^@/\s]+@([^:/\s]+):\/?([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  if (!match) return undefined;
  return { host: match[1]!.toLowerCase(), owner: match[2]!.toLowerCase(), repo: match[3]!.toLowerCase() };
}

function githubHost(apiUrl: string | undefined): string {
  if (!apiUrl) return 'github.com';
  try {
    const host = new URL(apiUrl).host.toLowerCase();
    return host === 'api.github.com' ? 'github.com' : host;
  } catch {
    return 'github.com';
  }
}

function normalizeUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(/\.git$/i, '').toLowerCase();
}

function localPath(repoURL: string, baseDir: string): string | undefined {
  if (repoURL.startsWith('file://')) {
    try {
      return path.resolve(decodeURIComponent(new URL(repoURL).pathname));
    } catch {
      return undefined;
    }
  }
  return isGitUrl(repoURL) ? undefined : path.resolve(baseDir, repoURL);
}

function repoMatches(repository: RepositoryConfig, repoURL: string, baseDir: string): boolean {
  const slug = slugOf(repoURL);
  if ('github' in repository) {
    const { owner, repo, apiUrl } = repository.github;
    return slug !== undefined && slug.host === githubHost(apiUrl) && slug.owner === owner.toLowerCase() && slug.repo === repo.toLowerCase();
  }
  if (isGitUrl(repository.git)) {
    if (normalizeUrl(repository.git) === normalizeUrl(repoURL)) return true;
    const configured = slugOf(repository.git);
    return slug !== undefined && configured !== undefined && slug.host === configured.host && slug.owner === configured.owner && slug.repo === configured.repo;
  }
  const local = localPath(repoURL, baseDir);
  return local !== undefined && local.replace(/\/+$/, '') === repository.git.replace(/\/+$/, '');
}

export function describeRepository(repository: RepositoryConfig): string {
  if ('github' in repository) return `${repository.name} (github ${repository.github.owner}/${repository.github.repo})`;
  return `${repository.name} (git ${repository.git})`;
}

/** The configured repository an Argo CD repoURL points at, or a message saying why none. */
export function matchRepository(repoURL: string, repositories: RepositoryConfig[], baseDir: string): { name: string } | { error: string } {
  const found = repositories.find((repository) => repoMatches(repository, repoURL, baseDir));
  if (found) return { name: found.name };
  const configured = repositories.length > 0 ? repositories.map(describeRepository).join(', ') : 'none';
  return {
    error: `repoURL '${repoURL}' matches no repository in the config (configured: ${configured}); add it under repositories (as github: {owner, repo}, or git: with the path of a local clone)`,
  };
}

/**
 * Argo CD's targetRevision: HEAD (or empty) follows the default branch, taken to be 'main';
 * a 40-hex SHA and a semver-looking tag (v1.2.3, 1.2) pin a revision; refs/heads/X and
 * refs/tags/X say which explicitly; anything else is read as a branch name.
 */
export function mapTargetRevision(targetRevision: unknown): { branch: string } | { revision: string } {
  const value = typeof targetRevision === 'string' ? targetRevision.trim() : '';
  if (value === '' || value === 'HEAD') return { branch: 'main' };
  if (/^[0-9a-f]{40}$/i.test(value)) return { revision: value.toLowerCase() };
  if (value.startsWith('refs/heads/')) return { branch: value.slice('refs/heads/'.length) };
  if (value.startsWith('refs/tags/')) return { revision: value.slice('refs/tags/'.length) };
  if (/^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$/.test(value)) return { revision: value };
  return { branch: value };
}

const IN_CLUSTER_HINT =
  'driftless runs outside the cluster, so the in-cluster address Argo CD uses for its own cluster means nothing to it: ' +
  'set `server:` (the API server URL) on a cluster in the config and use that URL here, or use destination.name with the cluster\'s name';

/** The configured cluster an Argo CD destination names, or a message saying why none. */
export function matchCluster(destination: { server?: unknown; name?: unknown }, clusters: ClusterConfig[]): { name: string; field: string } | { error: string; field: string } {
  const names = clusters.map((cluster) => cluster.name);
  if (typeof destination.name === 'string' && destination.name !== '') {
    const found = clusters.find((cluster) => cluster.name === destination.name);
    if (found) return { name: found.name, field: 'name' };
    if (destination.name === IN_CLUSTER_NAME) return { error: `destination.name 'in-cluster': ${IN_CLUSTER_HINT}`, field: 'name' };
    return { error: `destination.name '${destination.name}' is not a cluster in the config (defined: ${names.join(', ') || 'none'})`, field: 'name' };
  }
  if (typeof destination.server === 'string' && destination.server !== '') {
    const wanted = normalizeUrl(destination.server);
    const found = clusters.find((cluster) => cluster.server !== undefined && normalizeUrl(cluster.server) === wanted);
    if (found) return { name: found.name, field: 'server' };
    if (wanted === IN_CLUSTER_SERVER) return { error: `destination.server ${IN_CLUSTER_SERVER}: ${IN_CLUSTER_HINT}`, field: 'server' };
    const servers = clusters.filter((cluster) => cluster.server).map((cluster) => `${cluster.name} (${cluster.server})`);
    return {
      error: `destination.server '${destination.server}' matches no cluster's server in the config (${servers.length > 0 ? `configured: ${servers.join(', ')}` : 'no cluster sets server:'}); set server: on the cluster it means`,
      field: 'server',
    };
  }
  return { error: 'destination needs server or name', field: '' };
}
