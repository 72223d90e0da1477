import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, readArgoCDFiles } from '../../src/config/load.ts';
import { DriftlessError } from '../../src/core/errors.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-config-'));
  mkdirSync(path.join(dir, 'argocd/nested'), { recursive: true });
  const app = (name: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: ${name} }
spec:
  source: { repoURL: https://github.com/acme/gitops.git, path: apps/${name} }
  destination: { name: prod, namespace: ${name} }
  syncPolicy: { automated: { prune: true } }
`;
  writeFileSync(path.join(dir, 'argocd/b.yaml'), app('bravo'));
  writeFileSync(path.join(dir, 'argocd/a.yaml'), `${app('alpha')}---\n${app('charlie')}`);
  writeFileSync(path.join(dir, 'argocd/nested/d.yaml'), app('delta'));
  writeFileSync(path.join(dir, 'argocd/notes.txt'), 'not yaml: [');
  writeFileSync(
    path.join(dir, 'driftless.yaml'),
    `repositories:
  gitops: { github: { owner: acme, repo: gitops } }
clusters:
  prod: { kubeconfig: { file: prod.kubeconfig } }
apps:
  - fromArgoCD: argocd/*.yaml
`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(promise: Promise<unknown>): Promise<DriftlessError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => {
      if (err instanceof DriftlessError) return err;
      throw err;
    },
  );
}

describe('loadConfig', () => {
  it('reads the file relative to cwd and imports Argo CD files in a stable order', async () => {
    const config = await loadConfig('driftless.yaml', { cwd: dir });
    expect(config.file).toBe(path.join(dir, 'driftless.yaml'));
    expect(config.clusters.prod!.kubeconfig).toEqual({ file: path.join(dir, 'prod.kubeconfig') });
    expect(config.apps.map((a) => [a.name, a.origin.file, a.origin.line])).toEqual([
      ['alpha', 'argocd/a.yaml', 1],
      ['charlie', 'argocd/a.yaml', 9],
      ['bravo', 'argocd/b.yaml', 1],
    ]);
  });

  it('globs recursively with **, and reads a folder\'s YAML files', () => {
    expect(readArgoCDFiles('argocd/**/*.yaml', dir).map((f) => path.relative(dir, f.file))).toEqual(['argocd/a.yaml', 'argocd/b.yaml', 'argocd/nested/d.yaml']);
    expect(readArgoCDFiles('argocd/b.yaml', dir)).toHaveLength(1);
    expect(readArgoCDFiles('argocd/missing.yaml', dir)).toEqual([]);
    expect(readArgoCDFiles('argocd/', dir).map((f) => path.relative(dir, f.file))).toEqual(['argocd/a.yaml', 'argocd/b.yaml', 'argocd/nested/d.yaml']);
  });

  it('a missing file is CONFIG_NOT_FOUND with a hint', async () => {
    const err = await codeOf(loadConfig('nope.yaml', { cwd: dir }));
    expect(err.code).toBe('CONFIG_NOT_FOUND');
    expect(err.message).toContain('create driftless.yaml in the current folder, or pass --config FILE');
    expect(err.details.file).toBe('nope.yaml');
    expect((await codeOf(loadConfig('argocd', { cwd: dir }))).code).toBe('CONFIG_NOT_FOUND');
  });

  it('an invalid file is CONFIG_INVALID naming the file as given', async () => {
    writeFileSync(path.join(dir, 'bad.yaml'), 'repositories: {}\nclusters: {}\napps: {}\n');
    const err = await codeOf(loadConfig('bad.yaml', { cwd: dir }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.details.errors).toEqual([{ file: 'bad.yaml', line: 3, field: 'apps', message: 'must be a list, not a map' }]);
  });
});

describe('the examples load cleanly', () => {
  it.each(['examples/driftless.yaml', 'examples/broken-selector/driftless.yaml', 'examples/argocd/driftless.yaml'])('%s', async (file) => {
    const config = await loadConfig(file, { cwd: repoRoot });
    expect(config.warnings).toEqual([]);
    expect(config.apps.length).toBeGreaterThan(0);
    for (const app of config.apps) expect(app).toMatchObject({ cluster: 'sandbox', createNamespace: true, prune: true });
  });

  it('the quick start has web-staging and web-production from ./gitops', async () => {
    const config = await loadConfig('examples/driftless.yaml', { cwd: repoRoot });
    expect(config.repositories.demo).toEqual({ name: 'demo', git: path.join(repoRoot, 'examples/gitops') });
    expect(config.clusters.sandbox!.kubeconfig).toEqual({ file: path.join(repoRoot, 'examples/sandbox.kubeconfig') });
    expect(config.apps.map((a) => [a.name, a.path, a.namespace])).toEqual([
      ['web-staging', 'overlays/staging', 'staging'],
      ['web-production', 'overlays/production', 'production'],
    ]);
    const argo = await loadConfig('examples/argocd/driftless.yaml', { cwd: repoRoot });
    expect(argo.apps.map((a) => [a.name, a.repository, a.path, a.namespace, a.ignore.length])).toEqual([
      ['web-staging', 'demo', 'overlays/staging', 'staging', 0],
      ['web-production', 'demo', 'overlays/production', 'production', 1],
    ]);
  });
});
