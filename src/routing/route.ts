import type { AppConfig, RepositoryConfig } from '../config/types.ts';
import { completeChangedPaths, type PushEvent } from './push-event.ts';
import { normalizeRepoPath } from '../core/paths.ts';

/** What routing needs to know about each app beyond its config. */
export interface AppRoutingState {
  /** Revision the app is pinned to by a rollback. */
  pin?: string;
  /** Paths its last render read; undefined before its first render. */
  dependencies?: string[];
}

export interface RoutedSync {
  app: string;
  /** Explicit revision (a tag push for an app pinned to that tag); absent: the branch head. */
  revision?: string;
  /** The payload could not tell what changed: the worker compares these commits first. */
  onlyIfChanged?: { from: string; to: string };
}

export interface PushRoute {
  sync: RoutedSync[];
  /** Apps following a deleted branch: mark their source missing, never sync or prune. */
  sourceMissing: string[];
  /** Apps the push touched but that a pin holds. */
  pinned: string[];
  /** Why nothing was queued, for the response and the log. */
  reason?: string;
}

/** A changed file touches a dependency when it is that file or lies inside that folder. */
export function touches(changed: string, dependency: string): boolean {
  const dep = normalizeRepoPath(dependency);
  const file = normalizeRepoPath(changed);
  if (dep === undefined || file === undefined) return false;
  return dep === '' || file === dep || file.startsWith(`${dep}/`);
}

function normalizeUrl(url: string): string {
  return url.toLowerCase().replace(/^git@([^:]+):/, 'https://$1/').replace(/^(ssh|git):\/\/(git@)?/, 'https://').replace(/\.git$/, '').replace(/\/+$/, '');
}

/** Whether a configured repository is the one the push came from. */
export function repositoryMatches(repo: RepositoryConfig | undefined, push: PushEvent): boolean {
  if (!repo) return false;
  if ('github' in repo) return `${repo.github.owner}/${repo.github.repo}`.toLowerCase() === push.repository.fullName.toLowerCase();
  const wanted = normalizeUrl(repo.git);
  return push.repository.urls.some((u) => normalizeUrl(u) === wanted);
}

/** Decides which apps a push touched. Pure: the handler calls it, the worker does anything slow. */
export function routePush(
  push: PushEvent,
  apps: AppConfig[],
  repositories: Record<string, RepositoryConfig>,
  state: (app: string) => AppRoutingState,
): PushRoute {
  const route: PushRoute = { sync: [], sourceMissing: [], pinned: [] };
  const candidates = apps.filter((app) => repositoryMatches(repositories[app.repository], push));
  if (candidates.length === 0) return { ...route, reason: `no app follows repository ${push.repository.fullName}` };

  if (push.ref.startsWith('refs/tags/')) {
    const tag = push.ref.slice('refs/tags/'.length);
    if (push.deleted) return { ...route, reason: `tag ${tag} deleted` };
    for (const app of candidates) {
      const pin = state(app.name).pin;
      if (pin === tag || (pin === undefined && app.revision === tag)) route.sync.push({ app: app.name, revision: tag });
    }
    if (route.sync.length === 0) route.reason = `no app is pinned to tag ${tag}`;
    return route;
  }
  if (!push.ref.startsWith('refs/heads/')) return { ...route, reason: `ref ${push.ref} is neither a branch nor a tag` };

  const branch = push.ref.slice('refs/heads/'.length);
  const onBranch = candidates.filter((app) => app.branch === branch);
  if (onBranch.length === 0) return { ...route, reason: `no app follows branch ${branch}` };
  if (push.deleted) {
    return { ...route, sourceMissing: onBranch.map((a) => a.name), reason: `branch ${branch} deleted: nothing synced or pruned` };
  }

  const changed = push.created ? undefined : completeChangedPaths(push);
  for (const app of onBranch) {
    const { pin, dependencies } = state(app.name);
    let hit: RoutedSync | undefined;
    if (push.created) hit = { app: app.name };
    else if (changed === undefined) hit = { app: app.name, onlyIfChanged: { from: push.before, to: push.after } };
    else {
      const deps = [app.path, ...(dependencies ?? [])];
      if (changed.some((file) => deps.some((dep) => touches(file, dep)))) hit = { app: app.name };
    }
    if (!hit) continue;
    if (pin !== undefined) route.pinned.push(app.name);
    else route.sync.push(hit);
  }
  if (route.sync.length === 0) {
    route.reason = route.pinned.length > 0 ? `touched apps are pinned: ${route.pinned.join(', ')}` : `no app's files changed on ${branch}`;
  }
  return route;
}
