import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import { DriftlessError } from '../../src/core/errors.ts';

const CWD = '/work/cfg';

const config = (notifications: string) => `repositories:
  demo: { git: ./gitops }
clusters:
  sandbox:
    kubeconfig: { file: ./k.yaml }
apps:
  - name: shop-prod
    repository: demo
    path: overlays/prod
    cluster: sandbox
    namespace: shop
notifications:
${notifications}`;

function errorsOf(text: string): Array<{ line: number | undefined; field: string; message: string }> {
  try {
    parseConfig(text, 'driftless.yaml', { cwd: CWD });
  } catch (err) {
    if (!(err instanceof DriftlessError)) throw err;
    return err.details.errors as Array<{ line: number | undefined; field: string; message: string }>;
  }
  throw new Error('expected the config to be invalid');
}

describe('notifications config', () => {
  it('builds each sink with its url (plain or a secret reference), signing secret and filters', () => {
    const parsed = parseConfig(config(`  - webhook: { url: https://hooks.example.com/driftless, secret: { env: HOOK_KEY } }
  - slack: { url: { file: ./slack-url } }
    apps: [shop-prod]
  - teams: { url: { secret: teams-webhook } }
    events: [sync-failed, drift-opened]
  - slack: { url: "http://127.0.0.1:8080/local" }
`), 'driftless.yaml', { cwd: CWD });
    expect(parsed.notifications).toEqual([
      { kind: 'webhook', url: 'https://hooks.example.com/driftless', secret: { env: 'HOOK_KEY' } },
      { kind: 'slack', url: { file: '/work/cfg/slack-url' }, apps: ['shop-prod'] },
      { kind: 'teams', url: { secret: 'teams-webhook' }, events: ['sync-failed', 'drift-opened'] },
      { kind: 'slack', url: 'http://127.0.0.1:8080/local' },
    ]);
  });

  it('defaults to no notifications', () => {
    const text = config('').replace('notifications:\n', '');
    expect(parseConfig(text, 'driftless.yaml', { cwd: CWD }).notifications).toEqual([]);
  });

  it('refuses plain http to a remote host, two sinks in one entry, a webhook without secret, unknown events and apps', () => {
    const errors = errorsOf(config(`  - slack: { url: http://hooks.example.com/x }
  - slack: { url: https://a.example.com }
    teams: { url: https://b.example.com }
  - webhook: { url: https://c.example.com }
  - teams: { url: https://d.example.com }
    events: [sync-exploded]
  - teams: { url: https://e.example.com }
    apps: [shop-prd]
`));
    const at = (field: string) => errors.find((e) => e.field === field)?.message;
    expect(at('notifications[0].slack.url')).toMatch(/must be an https URL/);
    expect(at('notifications[1]')).toMatch(/exactly one of 'slack', 'teams' or 'webhook'/);
    expect(at('notifications[2].webhook')).toMatch(/missing required field 'secret'/);
    expect(at('notifications[3].events[0]')).toMatch(/must be one of "sync-failed"/);
    expect(at('notifications[4].apps[0]')).toMatch(/app 'shop-prd' is not defined in apps.*did you mean 'shop-prod'/);
  });
});
