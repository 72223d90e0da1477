import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import { DriftlessError } from '../../src/core/errors.ts';

const CWD = '/work/cfg';

const base = (apps: string, extra = '') => `repositories:
  demo: { git: ./gitops }
clusters:
  sandbox:
    kubeconfig: { file: ./k.yaml }
apps:
${apps}${extra}`;

const app = (fields = '') => `  - name: web
    repository: demo
    path: overlays/staging
    cluster: sandbox
    namespace: staging
${fields}`;

interface Found {
  file: string;
  line: number | undefined;
  field: string;
  message: string;
}

function errorsOf(text: string): { error: DriftlessError; errors: Found[] } {
  try {
    parseConfig(text, 'driftless.yaml', { cwd: CWD });
  } catch (err) {
    if (!(err instanceof DriftlessError)) throw err;
    return { error: err, errors: err.details.errors as Found[] };
  }
  throw new Error('expected the config to be invalid');
}

function only(text: string): Found {
  const { errors } = errorsOf(text);
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

describe('parseConfig: valid files and defaults', () => {
  it('fills every default and resolves paths against the config folder', () => {
    const config = parseConfig(base(app()), 'driftless.yaml', { cwd: CWD });
    expect(config.file).toBe('/work/cfg/driftless.yaml');
    expect(config.repositories.demo).toEqual({ name: 'demo', git: '/work/cfg/gitops' });
    expect(config.clusters.sandbox).toEqual({ name: 'sandbox', kubeconfig: { file: '/work/cfg/k.yaml' } });
    expect(config.server).toEqual({ publicRead: false, pollInterval: 180, driftInterval: 600, driftIssues: true, retention: { days: 30, maxSyncsPerApp: 1000, maxDeliveries: 10_000, maxDriftReportsPerApp: 100 } });
    expect(config.warnings).toEqual([]);
    expect(config.apps).toEqual([
      {
        name: 'web',
        repository: 'demo',
        branch: 'main',
        path: 'overlays/staging',
        cluster: 'sandbox',
        namespace: 'staging',
        createNamespace: false,
        prune: false,
        selfHeal: false,
        force: true,
        allowEmpty: false,
        allowRemote: false,
        pruneProtected: { namespaces: false, crds: false, persistentVolumes: false, persistentVolumeClaims: false },
        allow: { namespaces: ['staging'], kinds: ['*'], clusterScoped: false },
        ignore: [],
        healthTimeoutSeconds: 300,
        concurrency: 8,
        deployments: true,
        origin: { file: 'driftless.yaml', line: 7 },
      },
    ]);
  });

  it('keeps explicit settings, local git paths, github repositories and server settings', () => {
    const text = `repositories:
  local: { git: ./gitops }
  shop:
    github:
      owner: acme
      repo: shop-gitops
      apiUrl: https://ghe.example.com/api/v3/
      app: { appId: 42, privateKey: { file: keys/app.pem }, installationId: 7 }
  pub: { github: { owner: acme, repo: public, token: { env: GITHUB_TOKEN } } }
clusters:
  prod: { kubeconfig: { secret: prod-kubeconfig, key: config }, context: prod, server: https://prod.example.com:6443 }
apps:
  - name: shop-prod
    repository: shop
    revision: v1.2.3
    path: ./overlays/production/
    cluster: prod
    namespace: production
    createNamespace: true
    prune: true
    selfHeal: true
    force: false
    allowEmpty: true
    allowRemote: true
    prunePolicy: { namespaces: true, crds: true, persistentVolumes: true, persistentVolumeClaims: true }
    allow: { namespaces: [production, '*'], kinds: [Deployment.apps, Service] }
    ignore: [{ kind: Deployment, group: apps, name: web, jsonPointers: [/spec/replicas] }]
    healthTimeoutSeconds: 60
    concurrency: 2
    deployments: false
server:
  webhookSecret: { env: WEBHOOK_SECRET }
  apiTokens: { file: tokens.txt }
  publicRead: true
  publicUrl: https://driftless.example.com/
  pollInterval: 1h30m
`;
    const config = parseConfig(text, 'driftless.yaml', { cwd: CWD });
    expect(config.repositories.local).toEqual({ name: 'local', git: '/work/cfg/gitops' });
    expect(config.repositories.shop).toEqual({
      name: 'shop',
      github: { owner: 'acme', repo: 'shop-gitops', apiUrl: 'https://ghe.example.com/api/v3', app: { appId: 42, privateKey: { file: '/work/cfg/keys/app.pem' }, installationId: 7 } },
    });
    expect(config.repositories.pub).toEqual({ name: 'pub', github: { owner: 'acme', repo: 'public', token: { env: 'GITHUB_TOKEN' } } });
    expect(config.clusters.prod).toEqual({ name: 'prod', kubeconfig: { secret: 'prod-kubeconfig', key: 'config' }, context: 'prod', server: 'https://prod.example.com:6443' });
    const [shop] = config.apps;
    expect(shop).toMatchObject({
      revision: 'v1.2.3',
      path: 'overlays/production',
      force: false,
      allowEmpty: true,
      allowRemote: true,
      pruneProtected: { namespaces: true, crds: true, persistentVolumes: true, persistentVolumeClaims: true },
      allow: { namespaces: ['production', '*'], kinds: ['Deployment.apps', 'Service'], clusterScoped: false },
      ignore: [{ kind: 'Deployment', group: 'apps', name: 'web', jsonPointers: ['/spec/replicas'] }],
      healthTimeoutSeconds: 60,
      concurrency: 2,
      deployments: false,
    });
    expect(shop!.branch).toBeUndefined();
    expect(config.server).toEqual({
      webhookSecret: { env: 'WEBHOOK_SECRET' },
      apiTokens: { file: '/work/cfg/tokens.txt' },
      publicRead: true,
      publicUrl: 'https://driftless.example.com',
      pollInterval: 5400,
      driftInterval: 600,
      driftIssues: true,
      retention: { days: 30, maxSyncsPerApp: 1000, maxDeliveries: 10_000, maxDriftReportsPerApp: 100 },
    });
  });

  it('accepts "." as the repository root and an explicit branch', () => {
    const config = parseConfig(base(app().replace('path: overlays/staging', 'path: .') + '    branch: release\n'), 'driftless.yaml', { cwd: CWD });
    expect(config.apps[0]).toMatchObject({ path: '.', branch: 'release' });
  });
});

describe('parseConfig: health overrides', () => {
  it('takes health: [{group, kind, ignore: true}]; the core group is the default', () => {
    const config = parseConfig(base(app('    health:\n      - { group: example.com, kind: Widget, ignore: true }\n      - { kind: Pod, ignore: true }\n')), 'driftless.yaml', { cwd: CWD });
    expect(config.apps[0]!.health).toEqual([{ group: 'example.com', kind: 'Widget', ignore: true }, { group: '', kind: 'Pod', ignore: true }]);
    expect(parseConfig(base(app()), 'driftless.yaml', { cwd: CWD }).apps[0]!.health).toBeUndefined();
  });

  it('refuses ignore: false and unknown keys', () => {
    expect(only(base(app('    health:\n      - { kind: Widget, ignore: false }\n'))).field).toBe('apps[0].health[0].ignore');
    expect(only(base(app('    health:\n      - { kind: Widget, ignore: true, degraded: true }\n'))).field).toBe('apps[0].health[0].degraded');
  });
});

describe('parseConfig: every error names file, line, field and what to do', () => {
  it('unknown field with a suggestion, at the line of the key', () => {
    const found = only(base(app('    prun: true\n')));
    expect(found).toEqual({ file: 'driftless.yaml', line: 12, field: 'apps[0].prun', message: "unknown field 'prun' — did you mean 'prune'?" });
  });

  it('a misspelt required field reads as one error, not two', () => {
    const found = only(base(app().replace('namespace: staging', 'nmespace: staging')));
    expect(found).toMatchObject({ line: 11, field: 'apps[0].nmespace', message: "unknown field 'nmespace' — did you mean 'namespace'?" });
  });

  it('unknown field without a near match lists the known ones', () => {
    const found = only(base(app(), '\nserver:\n  colour: blue\n'));
    expect(found.field).toBe('server.colour');
    expect(found.message).toContain("unknown field 'colour' (known fields: webhookSecret, apiTokens, publicRead, publicMetrics, logLevel, publicUrl, pollInterval, driftInterval, driftIssues, retention)");
  });

  it('missing required field, at the line of its parent', () => {
    const found = only(base(app().replace('    cluster: sandbox\n', '')));
    expect(found).toMatchObject({ line: 7, field: 'apps[0]' });
    expect(found.message).toMatch(/^missing required field 'cluster' \(Name of an entry in clusters\)$/);
  });

  it('wrong type', () => {
    const found = only(base(app('    prune: "yes"\n    concurrency: 2\n')));
    expect(found).toEqual({ file: 'driftless.yaml', line: 12, field: 'apps[0].prune', message: 'must be true or false, not the string "yes"' });
  });

  it('bad app name and namespace: DNS-1123 labels', () => {
    const { errors } = errorsOf(base(app().replace('name: web', 'name: Web_App').replace('namespace: staging', 'namespace: -bad')));
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [7, 'apps[0].name'],
      [11, 'apps[0].namespace'],
    ]);
    for (const e of errors) expect(e.message).toMatch(/^must be a DNS-1123 label: lowercase letters, digits and '-'/);
  });

  it('duplicate app names name the first definition', () => {
    const found = only(base(app() + app()));
    expect(found).toMatchObject({ line: 12, field: 'apps[1].name' });
    expect(found.message).toBe("app name 'web' is already used by the app defined at driftless.yaml:7; app names must be unique");
  });

  it('undefined repository and cluster list the defined ones', () => {
    const { errors } = errorsOf(base(app().replace('repository: demo', 'repository: shop').replace('cluster: sandbox', 'cluster: sandbx')));
    expect(errors).toEqual([
      { file: 'driftless.yaml', line: 8, field: 'apps[0].repository', message: "repository 'shop' is not defined in repositories (defined: demo)" },
      { file: 'driftless.yaml', line: 10, field: 'apps[0].cluster', message: "cluster 'sandbx' is not defined in clusters (defined: sandbox) — did you mean 'sandbox'?" },
    ]);
  });

  it('both branch and revision', () => {
    const found = only(base(app('    branch: main\n    revision: abc123\n')));
    expect(found).toMatchObject({ line: 13, field: 'apps[0].revision', message: "set either 'branch' or 'revision', not both" });
  });

  it.each(['../other', 'overlays/../../x', '/abs/path', '..'])('path %s is refused', (bad) => {
    const found = only(base(app().replace('path: overlays/staging', `path: '${bad}'`)));
    expect(found).toMatchObject({ line: 9, field: 'apps[0].path' });
    expect(found.message).toContain("must be a relative path inside the repository: no leading '/', no '..'");
  });

  it('a value of the wrong type gets one error, not one per rule', () => {
    const found = only(base(app()).replace('kubeconfig: { file: ./k.yaml }', 'kubeconfig: ./k.yaml'));
    expect(found).toEqual({ file: 'driftless.yaml', line: 5, field: 'clusters.sandbox.kubeconfig', message: 'must be a map, not the string "./k.yaml"' });
  });

  it('secret references need exactly one of env, file or secret', () => {
    const { errors } = errorsOf(base(app()).replace('{ file: ./k.yaml }', '{ file: ./k.yaml, env: KUBECONFIG }') + 'server:\n  webhookSecret: { env: X, key: y }\n  apiTokens: {}\n');
    expect(errors.map((e) => [e.line, e.field, e.message])).toEqual([
      [5, 'clusters.sandbox.kubeconfig', 'must be exactly one of {env: NAME}, {file: PATH} or {secret: NAME, key?, versionStage?, region?}'],
      [13, 'server.webhookSecret.key', "'key' is only valid together with 'secret'"],
      [14, 'server.apiTokens', 'must be exactly one of {env: NAME}, {file: PATH} or {secret: NAME, key?, versionStage?, region?}'],
    ]);
  });

  it('repositories need exactly one of git or github, and never both token and app', () => {
    const text = base(app()).replace(
      '  demo: { git: ./gitops }',
      "  demo: { gti: ./gitops }\n  both: { git: a, github: { owner: a, repo: b } }\n  gh: { github: { owner: a, repo: b, token: { env: T }, app: { appId: 1, privateKey: { env: K } } } }",
    );
    const { errors } = errorsOf(text);
    expect(errors.map((e) => [e.line, e.field, e.message])).toEqual([
      [2, 'repositories.demo.gti', "unknown field 'gti' — did you mean 'git'?"],
      [3, 'repositories.both', "must have exactly one of 'git' (a local path) or 'github' ({owner, repo, ...})"],
      [4, 'repositories.gh.github.app', "set either 'token' or 'app', not both"],
    ]);
  });

  it('bad pollInterval and allow entries', () => {
    const { errors } = errorsOf(base(app('    allow: { namespaces: [Staging], kinds: [deployment] }\n'), 'server:\n  pollInterval: 3 minutes\n'));
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [12, 'apps[0].allow.namespaces[0]'],
      [12, 'apps[0].allow.kinds[0]'],
      [14, 'server.pollInterval'],
    ]);
    expect(errors[2]!.message).toBe('must be a number of seconds (at least 1) or a duration such as 90s, 3m or 1h30m');
  });

  it('allowRemote takes true, false or a list of URL prefixes; render caps have defaults and can be set', () => {
    const listed = parseConfig(base(app("    allowRemote: ['https://github.com/acme/', 'git@github.com:acme/']\n"), 'render:\n  kustomize: { timeoutSeconds: 30, memoryMiB: 256 }\n'), 'driftless.yaml', { cwd: CWD });
    expect(listed.apps[0]!.allowRemote).toEqual(['https://github.com/acme/', 'git@github.com:acme/']);
    expect(listed.render).toEqual({ kustomize: { timeoutSeconds: 30, memoryMiB: 256, maxOutputMiB: 64 } });
    expect(parseConfig(base(app()), 'driftless.yaml', { cwd: CWD }).render).toEqual({ kustomize: { timeoutSeconds: 60, memoryMiB: 512, maxOutputMiB: 64 } });
    const badList = { field: 'apps[0].allowRemote', message: 'must be true, false or a list of URL prefixes such as https://github.com/acme/' };
    expect(only(base(app("    allowRemote: ['acme']\n")))).toMatchObject(badList);
    expect(only(base(app("    allowRemote: ['file:///srv/']\n")))).toMatchObject(badList);
    expect(only(base(app(), 'render:\n  kustomize: { memoryMiB: 1 }\n'))).toMatchObject({ field: 'render.kustomize.memoryMiB' });
  });

  it('a zero duration is refused', () => {
    expect(only(base(app(), 'server:\n  pollInterval: 0s\n'))).toMatchObject({ line: 13, field: 'server.pollInterval', message: 'must be at least 1 second' });
  });

  it('drift settings: driftInterval as a duration, driftIssues globally and per app, drift report retention', () => {
    const config = parseConfig(base(app('    selfHeal: true\n    driftIssues: false\n'), 'server:\n  driftInterval: 15m\n  driftIssues: false\n  retention: { maxDriftReportsPerApp: 7 }\n'), 'driftless.yaml', { cwd: CWD });
    expect(config.server).toMatchObject({ driftInterval: 900, driftIssues: false, retention: { maxDriftReportsPerApp: 7 } });
    expect(config.apps[0]).toMatchObject({ selfHeal: true, driftIssues: false });
    expect(parseConfig(base(app()), 'driftless.yaml', { cwd: CWD }).apps[0]!.driftIssues).toBeUndefined();
    expect(only(base(app(), 'server:\n  driftInterval: 0s\n'))).toMatchObject({ field: 'server.driftInterval', message: 'must be at least 1 second' });
    expect(only(base(app(), 'server:\n  driftInterval: ten minutes\n'))).toMatchObject({ field: 'server.driftInterval', message: expect.stringContaining('duration such as 90s, 10m') });
  });

  it('collects all errors into one CONFIG_INVALID with a readable message', () => {
    const { error, errors } = errorsOf(base(app('    prun: true\n').replace('repository: demo', 'repository: shop')));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(errors).toHaveLength(2);
    expect(error.message).toBe(
      "driftless.yaml is not valid (2 errors):\n  - driftless.yaml:8: apps[0].repository: repository 'shop' is not defined in repositories (defined: demo)\n  - driftless.yaml:12: apps[0].prun: unknown field 'prun' — did you mean 'prune'?",
    );
    expect(error.details).toMatchObject({ file: 'driftless.yaml', line: 8, field: 'apps[0].repository' });
  });

  it('YAML syntax errors, duplicate keys, empty files and multiple documents', () => {
    expect(only('repositories:\n  demo: { git: x\n')).toMatchObject({ file: 'driftless.yaml', line: expect.any(Number) });
    expect(only('apps: []\napps: []\n')).toMatchObject({ line: 2 });
    expect(only('apps: []\napps: []\n').message).toMatch(/^YAML syntax: .*unique/i);
    expect(only('# nothing\n').message).toContain('the file is empty');
    expect(only('apps: []\n---\napps: []\n')).toMatchObject({ line: 3, message: 'the file must hold a single YAML document (remove the --- separators)' });
    expect(only('- a\n- b\n').message).toContain('must be a map');
  });

  it('missing top-level sections', () => {
    const found = only('repositories: {}\nclusters: {}\n');
    expect(found).toMatchObject({ line: 1, field: '', message: "missing required field 'apps' (Apps to keep in sync)" });
  });

  it('a fromArgoCD entry takes no other fields, and an empty apps entry is named', () => {
    const { errors } = errorsOf(base('  - fromArgoCD: argocd/*.yaml\n    prune: true\n  -\n'));
    expect(errors.map((e) => [e.line, e.field, e.message])).toEqual([
      [7, 'apps[0].fromArgoCD', 'fromArgoCD needs the Argo CD files read from disk: load the config with loadConfig'],
      [8, 'apps[0].prune', "unknown field 'prune' (known fields: fromArgoCD)"],
      [9, 'apps[1]', 'must be a map, not null'],
    ]);
  });

  it('fromArgoCD without a reader says to use loadConfig', () => {
    const found = only(base('  - fromArgoCD: argocd/*.yaml\n'));
    expect(found).toMatchObject({ line: 7, field: 'apps[0].fromArgoCD' });
    expect(found.message).toContain('loadConfig');
  });
});

describe('parseConfig: git: is a local path', () => {
  it.each(['https://github.com/acme/gitops.git', 'git@github.com:acme/gitops.git', 'ssh://git@example.com/gitops'])('refuses the URL %s naming file, line and field', (url) => {
    const text = `repositories:
  demo: { git: ./gitops }
  remote: { git: '${url}' }
clusters:
  sandbox: { kubeconfig: { file: ./k.yaml } }
apps:
${app()}`;
    expect(only(text)).toEqual({
      file: 'driftless.yaml',
      line: 3,
      field: 'repositories.remote.git',
      message: `'${url}' is a URL, and git: takes a local path: use github: {owner, repo} for a GitHub repository, or clone it and point git: at the clone`,
    });
  });
});
