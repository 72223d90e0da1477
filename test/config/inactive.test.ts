import { describe, expect, it } from 'vitest';
import { NOT_YET_ACTIVE } from '../../src/config/inactive.ts';
import { parseConfig } from '../../src/config/parse.ts';

const text = `repositories:
  demo: { git: ./gitops }
  shop:
    github:
      owner: acme
      repo: shop
      token: { secret: github-token }
clusters:
  prod: { kubeconfig: { secret: prod, key: kubeconfig } }
  local: { kubeconfig: { file: ./k.yaml } }
apps:
  - { name: a, repository: demo, path: a, cluster: local, namespace: a }
  - name: c
    repository: demo
    path: c
    cluster: local
    namespace: c
    selfHeal: true
server:
  webhookSecret: { env: WEBHOOK_SECRET }
  apiTokens: { secret: api-tokens }
`;

describe('settings the schema accepts but driftless does not act on yet', () => {
  it('there are none: {secret: …} references and selfHeal load without warnings', () => {
    expect(NOT_YET_ACTIVE).toEqual({});
    const config = parseConfig(text, 'driftless.yaml', { cwd: '/work/cfg' });
    expect(config.warnings).toEqual([]);
    expect(config.clusters.prod!.kubeconfig).toEqual({ secret: 'prod', key: 'kubeconfig' });
    expect(config.server.apiTokens).toEqual({ secret: 'api-tokens' });
    expect(config.apps[1]!.selfHeal).toBe(true);
  });
});
