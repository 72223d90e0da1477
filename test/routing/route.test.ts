import { describe, expect, it } from 'vitest';
import { routePush, touches, repositoryMatches, type AppRoutingState } from '../../src/routing/route.ts';
import { completeChangedPaths, parsePushEvent, zeroSha } from '../../src/routing/push-event.ts';
import { isDriftlessError } from '../../src/core/errors.ts';
import { pushPayload, schemaErrors, sha, type PushOptions } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

const config = serviceConfig([
  appConfig('staging', { path: 'overlays/staging' }),
  appConfig('production', { path: 'overlays/production' }),
  appConfig('docs', { path: 'docs-site', branch: 'docs' }),
  appConfig('tagged', { path: 'overlays/production', branch: undefined, revision: 'v1.0.0' }),
]);
const recorded: Record<string, AppRoutingState> = {
  staging: { dependencies: ['overlays/staging', 'base'] },
  production: { dependencies: ['overlays/production/kustomization.yaml', 'base'] },
};

function route(options: PushOptions, state: Record<string, AppRoutingState> = recorded) {
  const payload = pushPayload({ fullName: 'acme/gitops', ...options });
  // Validating thousands of commits is slow and proves nothing more than one does.
  if ((options.commits?.length ?? 0) < 100) expect(schemaErrors('push', payload)).toEqual([]);
  return routePush(parsePushEvent(payload), config.apps, config.repositories, (app) => state[app] ?? {});
}

describe('routePush', () => {
  it('an overlay depends on its base: a change in base syncs both overlays', () => {
    expect(route({ commits: [{ modified: ['base/deployment.yaml'] }] }).sync).toEqual([{ app: 'staging' }, { app: 'production' }]);
  });

  it('a change in one overlay syncs only that app', () => {
    expect(route({ commits: [{ added: ['overlays/staging/patch.yaml'] }, { modified: ['README.md'] }] }).sync).toEqual([{ app: 'staging' }]);
  });

  it('before the first render the app path is the dependency', () => {
    const r = route({ commits: [{ removed: ['overlays/production/old.yaml'] }] }, {});
    expect(r.sync).toEqual([{ app: 'production' }]);
    expect(route({ commits: [{ modified: ['base/x.yaml'] }] }, {}).sync).toEqual([]);
  });

  it('a push touching no app files queues nothing and says why', () => {
    const r = route({ commits: [{ modified: ['README.md'] }] });
    expect(r.sync).toEqual([]);
    expect(r.reason).toMatch(/no app's files changed on main/);
  });

  it('another repository or branch matches nothing', () => {
    expect(route({ fullName: 'other/repo' }).reason).toMatch(/no app follows repository other\/repo/);
    expect(route({ ref: 'refs/heads/feature' }).reason).toMatch(/no app follows branch feature/);
  });

  it('a created branch syncs every app of that branch', () => {
    const r = route({ ref: 'refs/heads/docs', before: zeroSha, created: true, commits: [] });
    expect(r.sync).toEqual([{ app: 'docs' }]);
  });

  it('a deleted branch never syncs and marks its apps source missing', () => {
    const r = route({ after: zeroSha, deleted: true, commits: [] });
    expect(r.sync).toEqual([]);
    expect(r.sourceMissing).toEqual(['staging', 'production']);
  });

  it('a tag push syncs apps pinned to that tag, at the tag', () => {
    const state = { ...recorded, staging: { pin: 'v2.0.0' } };
    expect(route({ ref: 'refs/tags/v2.0.0', commits: [] }, state).sync).toEqual([{ app: 'staging', revision: 'v2.0.0' }]);
    expect(route({ ref: 'refs/tags/v1.0.0', commits: [] }, state).sync).toEqual([{ app: 'tagged', revision: 'v1.0.0' }]);
    expect(route({ ref: 'refs/tags/v3', commits: [] }, state).sync).toEqual([]);
  });

  it('a pinned app is not moved by a push', () => {
    const r = route({ commits: [{ modified: ['base/a.yaml'] }] }, { ...recorded, staging: { pin: sha(9), dependencies: ['base'] } });
    expect(r.sync).toEqual([{ app: 'production' }]);
    expect(r.pinned).toEqual(['staging']);
  });

  it('incomplete commit lists become resolve jobs for the worker, never a guess', () => {
    const resolve = [{ app: 'staging', onlyIfChanged: { from: sha(1), to: sha(2) } }, { app: 'production', onlyIfChanged: { from: sha(1), to: sha(2) } }];
    expect(route({ forced: true, commits: [{ modified: ['README.md'] }] }).sync).toEqual(resolve);
    expect(route({ commits: [] }).sync).toEqual(resolve);
    const huge = Array.from({ length: 3000 }, (_, i) => `docs/${i}.md`);
    expect(route({ commits: [{ modified: huge }] }).sync).toEqual(resolve);
    const many = Array.from({ length: 2048 }, () => ({ modified: ['README.md'] }));
    expect(route({ commits: many }).sync).toEqual(resolve);
  });
});

describe('completeChangedPaths and helpers', () => {
  it('unions added, removed and modified of every commit', () => {
    const push = parsePushEvent(pushPayload({ commits: [{ added: ['b'], removed: ['a'] }, { modified: ['b', 'c'] }] }));
    expect(completeChangedPaths(push)).toEqual(['a', 'b', 'c']);
  });

  it('touches matches files and folders, not prefixes of names', () => {
    expect(touches('base/a.yaml', 'base')).toBe(true);
    expect(touches('base/a.yaml', './base/')).toBe(true);
    expect(touches('baseline/a.yaml', 'base')).toBe(false);
    expect(touches('anything', '.')).toBe(true);
  });

  it('git repositories match by clone URL in any spelling', () => {
    const push = parsePushEvent(pushPayload({ fullName: 'acme/gitops' }));
    expect(repositoryMatches({ name: 'g', git: 'git@github.com:acme/gitops.git' }, push)).toBe(true);
    expect(repositoryMatches({ name: 'g', git: 'https://github.com/acme/other' }, push)).toBe(false);
  });
});

describe('parsePushEvent', () => {
  it.each([
    ['ref', (p: Record<string, unknown>) => { delete p.ref; }],
    ['after', (p: Record<string, unknown>) => { p.after = 42; }],
    ['repository.full_name', (p: Record<string, unknown>) => { (p.repository as Record<string, unknown>).full_name = null; }],
    ['commits[0].modified', (p: Record<string, unknown>) => { ((p.commits as Array<Record<string, unknown>>)[0]!).modified = 'x'; }],
    ['deleted', (p: Record<string, unknown>) => { p.deleted = 'yes'; }],
  ])('names the bad field %s', (field, mutate) => {
    const payload = pushPayload();
    mutate(payload);
    try {
      parsePushEvent(payload);
      expect.unreachable();
    } catch (err) {
      expect(isDriftlessError(err, 'BAD_REQUEST')).toBe(true);
      expect((err as Error).message).toContain(field);
    }
  });
});
