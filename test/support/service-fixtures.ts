import type { AppConfig, DriftlessConfig } from '../../src/config/types.ts';

/** A defaulted AppConfig for service, routing and HTTP tests. */
export function appConfig(name: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    name, repository: 'gitops', branch: 'main', path: `apps/${name}`, cluster: 'local', namespace: name,
    createNamespace: true, prune: true, selfHeal: false, force: true, allowEmpty: false, allowRemote: false,
    pruneProtected: { namespaces: false, crds: false, persistentVolumes: false, persistentVolumeClaims: false },
    allow: { namespaces: [name], kinds: ['*'], clusterScoped: false }, ignore: [], healthTimeoutSeconds: 300,
    concurrency: 8, deployments: true, origin: { file: 'driftless.yaml' },
    ...overrides,
  };
}

export function serviceConfig(apps: AppConfig[], server: Partial<DriftlessConfig['server']> = {}): DriftlessConfig {
  return {
    file: '/tmp/driftless.yaml',
    repositories: { gitops: { name: 'gitops', github: { owner: 'acme', repo: 'gitops' } } },
    clusters: { local: { name: 'local', kubeconfig: { file: 'kubeconfig' } } },
    apps,
    server: { publicRead: false, pollInterval: 180, driftInterval: 600, driftIssues: true, retention: { days: 30, maxSyncsPerApp: 1000, maxDeliveries: 10_000, maxDriftReportsPerApp: 100 }, webhookSecret: { env: 'WEBHOOK_SECRET' }, apiTokens: { env: 'API_TOKENS' }, ...server },
    signing: { previousKeys: [] },
    warnings: [],
  };
}
