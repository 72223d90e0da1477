import { describe, expect, it } from 'vitest';
import { mapTargetRevision, matchCluster, matchRepository } from '../../src/config/argocd-match.ts';
import type { ClusterConfig, RepositoryConfig } from '../../src/config/types.ts';

const repositories: RepositoryConfig[] = [
  { name: 'shop', github: { owner: 'acme', repo: 'shop-gitops' } },
  { name: 'ghe', github: { owner: 'team', repo: 'infra', apiUrl: 'https://git.corp.example/api/v3' } },
  { name: 'url', git: 'https://gitlab.example.com/group/deploy.git' },
  { name: 'local', git: '/srv/gitops' },
];

describe('matchRepository', () => {
  it.each([
    ['https://github.com/acme/shop-gitops', 'shop'],
    ['https://github.com/acme/shop-gitops.git', 'shop'],
    ['https://github.com/Acme/Shop-Gitops/', 'shop'],
    ['git@github.com:acme/shop-gitops.git', 'shop'],
    ['ssh://git@github.com/acme/shop-gitops.git', 'shop'],
    ['https://git.corp.example/team/infra.git', 'ghe'],
    ['https://gitlab.example.com/group/deploy', 'url'],
    ['git@gitlab.example.com:group/deploy.git', 'url'],
    ['/srv/gitops', 'local'],
    ['file:///srv/gitops', 'local'],
    ['../gitops', 'local'],
  ])('%s → %s', (repoURL, name) => {
    expect(matchRepository(repoURL, repositories, '/srv/config')).toEqual({ name });
  });

  it.each(['https://github.com/acme/other.git', 'https://github.com/team/infra.git', 'https://charts.example.com/stable', ''])('%s matches nothing', (repoURL) => {
    const found = matchRepository(repoURL, repositories, '/srv/config');
    expect(found).toHaveProperty('error');
    expect((found as { error: string }).error).toContain(`repoURL '${repoURL}' matches no repository`);
  });
});

describe('mapTargetRevision', () => {
  it.each([
    [undefined, { branch: 'main' }],
    ['HEAD', { branch: 'main' }],
    ['main', { branch: 'main' }],
    ['release/1.x', { branch: 'release/1.x' }],
    ['refs/heads/v1.2.3', { branch: 'v1.2.3' }],
    ['refs/tags/stable', { revision: 'stable' }],
    ['v1.2.3', { revision: 'v1.2.3' }],
    ['1.4', { revision: '1.4' }],
    ['v2.0.0-rc.1', { revision: 'v2.0.0-rc.1' }],
    ['0123456789ABCDEF0123456789abcdef01234567', { revision: '0123456789abcdef0123456789abcdef01234567' }],
  ])('%s → %o', (input, expected) => {
    expect(mapTargetRevision(input)).toEqual(expected);
  });
});

describe('matchCluster', () => {
  const clusters: ClusterConfig[] = [
    { name: 'prod', kubeconfig: { env: 'K' }, server: 'https://prod.example.com:6443' },
    { name: 'sandbox', kubeconfig: { env: 'K' } },
  ];

  it('maps by name and by server URL (trailing slash and case ignored)', () => {
    expect(matchCluster({ name: 'sandbox' }, clusters)).toEqual({ name: 'sandbox', field: 'name' });
    expect(matchCluster({ server: 'HTTPS://prod.example.com:6443/' }, clusters)).toEqual({ name: 'prod', field: 'server' });
  });

  it('explains the in-cluster address and name, and names configured servers otherwise', () => {
    for (const destination of [{ server: 'https://kubernetes.default.svc' }, { name: 'in-cluster' }]) {
      const found = matchCluster(destination, clusters) as { error: string };
      expect(found.error).toContain('driftless runs outside the cluster');
    }
    const other = matchCluster({ server: 'https://other:6443' }, clusters) as { error: string };
    expect(other.error).toContain('configured: prod (https://prod.example.com:6443)');
    expect(matchCluster({}, clusters)).toEqual({ error: 'destination needs server or name', field: '' });
  });
});
