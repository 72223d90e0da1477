import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DriftlessConfig } from '../../src/config/types.ts';
import { createRuntime } from '../../src/wiring/index.ts';
import { diffApp, syncApp } from '../../src/sync/sync.ts';
import { appConfig, configMap, Fake } from '../sync/fixtures.ts';

function config(): DriftlessConfig {
  return {
    // Its folder receives the default signing key file.
    file: path.join(mkdtempSync(path.join(tmpdir(), 'driftless-runtime-')), 'driftless.yaml'),
    repositories: { demo: { name: 'demo', git: './repo' }, remote: { name: 'remote', git: 'https://example.com/x.git' } },
    clusters: { test: { name: 'test', kubeconfig: { env: 'UNUSED' } } },
    apps: [appConfig({ repository: 'demo', cluster: 'test' })],
    server: { publicRead: false, pollInterval: 180, driftInterval: 600, driftIssues: true, retention: { days: 30, maxSyncsPerApp: 1000, maxDeliveries: 10_000, maxDriftReportsPerApp: 100 } },
    signing: { previousKeys: [] },
    warnings: [],
  };
}

describe('createRuntime', () => {
  it('builds deps per app from factories, caches them, and syncs with them', async () => {
    const fake = new Fake();
    fake.set([configMap('a')]);
    let clusters = 0;
    const runtime = createRuntime(config(), {
      sourceFactory: async () => fake.deps().source,
      renderer: fake.deps().renderer,
      clusterFactory: async () => {
        clusters++;
        return fake.cluster;
      },
      pollMs: 1,
    });
    const app = runtime.app('shop');
    expect(await runtime.cluster('test')).toBe(await runtime.cluster('test'));
    expect(clusters).toBe(1);
    const revision = await (await runtime.source('demo')).resolve('main');
    const plan = await diffApp(await runtime.deps(app), app);
    expect(plan.changes.map((c) => c.action)).toEqual(['create', 'create']);
    let dependencies: string[] | undefined;
    const result = await syncApp(await runtime.deps(app), app, { revision, onRendered: (paths) => (dependencies = paths) });
    expect(dependencies).toEqual([]);
    expect(result.status).toBe('Synced');
    expect(fake.cluster.find('ConfigMap', 'a')).toBeDefined();
  });

  it('names unknown apps and refuses git URLs for local sources', async () => {
    const runtime = createRuntime(config());
    expect(() => runtime.app('nope')).toThrow(/no app "nope"/);
    await expect(runtime.source('remote')).rejects.toThrow(/is a URL/);
    await expect(runtime.cluster('test')).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE' });
  });
});
