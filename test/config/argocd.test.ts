import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import type { ArgoCDFile } from '../../src/config/argocd.ts';
import { DriftlessError } from '../../src/core/errors.ts';

const CWD = '/work/cfg';

const CONFIG = `repositories:
  shop: { github: { owner: acme, repo: shop-gitops } }
  local: { git: ./gitops }
clusters:
  prod: { kubeconfig: { env: KUBECONFIG_PROD }, server: https://prod.example.com:6443 }
  sandbox: { kubeconfig: { file: ./k.yaml } }
apps:
  - fromArgoCD: argocd/*.yaml
`;

const application = (spec: string, name = 'shop-prod') => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
${spec}`;

const SIMPLE = `  project: default
  source:
    repoURL: https://github.com/acme/shop-gitops.git
    targetRevision: HEAD
    path: overlays/production
  destination:
    server: https://prod.example.com:6443
    namespace: production
  syncPolicy:
    automated: { prune: true, selfHeal: true }
    syncOptions: [CreateNamespace=true, ServerSideApply=true]
`;

function reader(files: Record<string, string>, seen: string[] = []) {
  return (pattern: string, baseDir: string): ArgoCDFile[] => {
    seen.push(`${baseDir}|${pattern}`);
    return Object.entries(files).map(([file, text]) => ({ file: `${baseDir}/${file}`, text }));
  };
}

function load(files: Record<string, string>, config = CONFIG) {
  return parseConfig(config, 'driftless.yaml', { cwd: CWD, readArgoCD: reader(files) });
}

function errorsOf(files: Record<string, string>, config = CONFIG) {
  try {
    load(files, config);
  } catch (err) {
    if (err instanceof DriftlessError) return err.details.errors as { file: string; line?: number; field: string; message: string }[];
    throw err;
  }
  throw new Error('expected the config to be invalid');
}

describe('fromArgoCD', () => {
  it('maps source, destination, sync policy and sync options, recording the origin', () => {
    const seen: string[] = [];
    const config = parseConfig(CONFIG, 'driftless.yaml', { cwd: CWD, readArgoCD: reader({ 'argocd/shop.yaml': application(SIMPLE) }, seen) });
    expect(seen).toEqual(['/work/cfg|argocd/*.yaml']);
    // selfHeal is active: no warning.
    expect(config.warnings).toEqual([]);
    expect(config.apps).toHaveLength(1);
    expect(config.apps[0]).toMatchObject({
      name: 'shop-prod',
      repository: 'shop',
      branch: 'main',
      path: 'overlays/production',
      cluster: 'prod',
      namespace: 'production',
      createNamespace: true,
      prune: true,
      selfHeal: true,
      force: true,
      allow: { namespaces: ['production'], kinds: ['*'], clusterScoped: false },
      origin: { file: 'argocd/shop.yaml', line: 1 },
    });
    expect(config.apps[0]!.revision).toBeUndefined();
  });

  it('reads multi-document files, git@ URLs, destination.name and pinned revisions', () => {
    const second = application(
      `  source:
    repoURL: git@github.com:Acme/Shop-Gitops.git
    targetRevision: 0123456789abcdef0123456789abcdef01234567
    path: overlays/staging
  destination: { name: sandbox, namespace: staging }
  syncPolicy: { automated: { allowEmpty: true } }
`,
      'shop-staging',
    );
    const config = load({ 'argocd/all.yaml': `${application(SIMPLE)}---\n${second}` });
    expect(config.apps.map((a) => [a.name, a.cluster, a.branch, a.revision, a.allowEmpty, a.origin.line])).toEqual([
      ['shop-prod', 'prod', 'main', undefined, false, 1],
      ['shop-staging', 'sandbox', undefined, '0123456789abcdef0123456789abcdef01234567', true, 19],
    ]);
  });

  it('matches local git repositories by path, relative to the config folder', () => {
    const spec = SIMPLE.replace('https://github.com/acme/shop-gitops.git', './gitops/');
    expect(load({ 'argocd/a.yaml': application(spec) }).apps[0]!.repository).toBe('local');
  });

  it('an unmatched repoURL is an error naming it and the configured repositories', () => {
    const errors = errorsOf({ 'argocd/shop.yaml': application(SIMPLE.replace('acme/shop-gitops', 'acme/other')) });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'argocd/shop.yaml', line: 9, field: 'spec.source.repoURL' });
    expect(errors[0]!.message).toBe(
      "repoURL 'https://github.com/acme/other.git' matches no repository in the config (configured: shop (github acme/shop-gitops), local (git /work/cfg/gitops)); add it under repositories (as github: {owner, repo}, or git: with the path of a local clone)",
    );
  });

  it('the in-cluster destination is an error explaining that driftless runs outside the cluster', () => {
    const errors = errorsOf({ 'argocd/shop.yaml': application(SIMPLE.replace('https://prod.example.com:6443', 'https://kubernetes.default.svc')) });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 13, field: 'spec.destination.server' });
    expect(errors[0]!.message).toContain('driftless runs outside the cluster');
  });

  it('unknown destinations, missing namespace, bad names and paths are errors with file and line', () => {
    const spec = SIMPLE.replace('server: https://prod.example.com:6443', 'name: nowhere').replace('    namespace: production\n', '').replace('path: overlays/production', 'path: ../secrets');
    const errors = errorsOf({ 'argocd/shop.yaml': application(spec, 'Shop.Prod') });
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [4, 'metadata.name'],
      [11, 'spec.source.path'],
      [12, 'spec.destination.namespace'],
      [13, 'spec.destination.name'],
    ]);
    expect(errors[3]!.message).toBe("destination.name 'nowhere' is not a cluster in the config (defined: prod, sandbox)");
    expect(errors[2]!.message).toContain('namespace');
  });

  it('names every unsupported field in a warning, and maps simple ignoreDifferences', () => {
    const spec = `  project: platform
  source:
    repoURL: https://github.com/acme/shop-gitops
    targetRevision: release
    path: charts/shop
    helm: { valueFiles: [values-prod.yaml] }
    kustomize: { namePrefix: prod- }
  destination: { server: https://prod.example.com:6443/, namespace: production }
  info: [{ name: team, value: shop }]
  ignoreDifferences:
    - { group: apps, kind: Deployment, jsonPointers: [/spec/replicas] }
    - { kind: ConfigMap, jqPathExpressions: ['.data.x'] }
  syncPolicy:
    automated: { prune: true }
    retry: { limit: 5 }
    syncOptions: [CreateNamespace=true, PruneLast=true]
`;
    const config = load({ 'argocd/shop.yaml': application(spec) });
    expect(config.apps[0]).toMatchObject({ branch: 'release', cluster: 'prod', prune: true, selfHeal: false, ignore: [{ kind: 'Deployment', group: 'apps', jsonPointers: ['/spec/replicas'] }] });
    expect(config.warnings).toEqual([
      "argocd/shop.yaml:7: spec.project 'platform' is ignored: driftless has no projects (restrict what an app may write with allow) (app shop-prod)",
      'argocd/shop.yaml:15: spec.info is not supported by driftless; ignored (app shop-prod)',
      'argocd/shop.yaml:12: spec.source.helm is not supported by driftless; ignored (app shop-prod)',
      'argocd/shop.yaml:13: spec.source.kustomize is not supported by driftless; ignored (app shop-prod)',
      'argocd/shop.yaml:21: spec.syncPolicy.retry is not supported by driftless; ignored (app shop-prod)',
      "argocd/shop.yaml:22: spec.syncPolicy.syncOptions[1] 'PruneLast=true' is not supported by driftless; ignored (app shop-prod)",
      'argocd/shop.yaml:18: spec.ignoreDifferences[1].jqPathExpressions is not supported by driftless (only jsonPointers are); ignored (app shop-prod)',
      'argocd/shop.yaml:18: spec.ignoreDifferences[1] has no kind or no jsonPointers driftless can use; the whole entry is ignored (app shop-prod)',
    ]);
  });

  it('warns when Argo CD would not sync automatically, and skips documents that are not Applications', () => {
    const manual = application(SIMPLE.replace('    automated: { prune: true, selfHeal: true }\n', ''));
    const config = load({ 'argocd/a.yaml': `${manual}---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n---\n` });
    expect(config.apps.map((a) => a.name)).toEqual(['shop-prod']);
    expect(config.warnings).toEqual([
      'argocd/a.yaml:15: spec.syncPolicy has no automated sync: Argo CD syncs this app only by hand, driftless syncs it on every push to its branch (app shop-prod)',
      'argocd/a.yaml:18: ConfigMap is not an Argo CD Application (argoproj.io/v1alpha1); skipped',
    ]);
  });

  it('multi-source Applications are refused; a single entry in sources is used', () => {
    const one = `  sources:
    - repoURL: https://github.com/acme/shop-gitops.git
      path: overlays/production
  destination: { name: sandbox, namespace: production }
  syncPolicy: { automated: {} }
`;
    expect(load({ 'argocd/a.yaml': application(one) }).apps[0]).toMatchObject({ path: 'overlays/production', repository: 'shop', cluster: 'sandbox' });
    const two = application(`  sources: [{ repoURL: a }, { repoURL: b }]\n  destination: { name: sandbox, namespace: x }\n`);
    const errors = errorsOf({ 'argocd/a.yaml': two });
    expect(errors).toEqual([{ file: 'argocd/a.yaml', line: 7, field: 'spec.sources', message: 'needs exactly one source (spec.source); multi-source Applications are not supported' }]);
  });

  it('app names must be unique across driftless.yaml and imported Applications', () => {
    const config = `${CONFIG}  - { name: shop-prod, repository: shop, path: x, cluster: prod, namespace: production }\n`;
    const errors = errorsOf({ 'argocd/shop.yaml': application(SIMPLE) }, config);
    expect(errors).toEqual([
      { file: 'driftless.yaml', line: 9, field: 'apps[1].name', message: "app name 'shop-prod' is already used by the app defined at argocd/shop.yaml:1; app names must be unique" },
    ]);
  });

  it('a pattern matching no files, YAML errors in Argo CD files and reader failures are errors', () => {
    expect(errorsOf({})).toEqual([{ file: 'driftless.yaml', line: 8, field: 'apps[0].fromArgoCD', message: "'argocd/*.yaml' matches no files (relative to /work/cfg)" }]);
    expect(errorsOf({ 'argocd/bad.yaml': 'kind: [\n' })[0]).toMatchObject({ file: 'argocd/bad.yaml', line: expect.any(Number) });
    const failing = () => {
      throw new Error('EACCES: permission denied');
    };
    expect(() => parseConfig(CONFIG, 'driftless.yaml', { cwd: CWD, readArgoCD: failing })).toThrow(/cannot read 'argocd\/\*\.yaml': EACCES/);
  });
});
