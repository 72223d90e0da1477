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
  - { name: b, repository: demo, path: b, cluster: local, namespace: b, selfHeal: false }
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
  it('warn with file, line and field: every {secret: …} reference, nothing else (selfHeal is active)', () => {
    const config = parseConfig(text, 'driftless.yaml', { cwd: '/work/cfg' });
    expect(config.warnings).toEqual([
      `driftless.yaml:7: repositories.shop.github.token.secret: ${NOT_YET_ACTIVE.secret}`,
      `driftless.yaml:9: clusters.prod.kubeconfig.secret: ${NOT_YET_ACTIVE.secret}`,
      `driftless.yaml:22: server.apiTokens.secret: ${NOT_YET_ACTIVE.secret}`,
    ]);
    expect(config.apps[2]!.selfHeal).toBe(true);
  });

  it('say nothing about a config that uses neither', () => {
    const plain = text.replace(/\{ secret: [^}]*\}/g, '{ env: X }').replace('selfHeal: true', 'selfHeal: false');
    expect(parseConfig(plain, 'driftless.yaml', { cwd: '/work/cfg' }).warnings).toEqual([]);
  });
});
