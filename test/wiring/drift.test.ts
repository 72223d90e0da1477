import { describe, expect, it } from 'vitest';
import { createThrottledWriter } from '../../src/adapters/github/writer.ts';
import type { SecretResolver } from '../../src/ports/secrets.ts';
import { driftMarkdown } from '../../src/drift/markdown.ts';
import { createConfiguredDriftNotifier } from '../../src/wiring/drift.ts';
import { driftReport } from '../support/drift-reports.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

const secrets: SecretResolver = { resolve: async () => 'token' };
// Port 9 on loopback refuses connections: a notifier that tried to write would fail, not answer false.
const github = { owner: 'acme', repo: 'gitops', apiUrl: 'http://127.0.0.1:9', token: { env: 'GH' } };

describe('createConfiguredDriftNotifier', () => {
  it('gives no issue to local git apps, apps with driftIssues: false, any app when server.driftIssues is false, or unknown apps', async () => {
    const config = serviceConfig([appConfig('web'), appConfig('off', { driftIssues: false }), appConfig('tools', { repository: 'local' }), appConfig('on', { driftIssues: true })]);
    config.repositories = { gitops: { name: 'gitops', github }, local: { name: 'local', git: '/srv/local' } };
    const notifier = createConfiguredDriftNotifier(config, secrets, createThrottledWriter({ retries: 0 }), driftMarkdown);
    for (const app of ['off', 'tools', 'nope']) expect(await notifier.notify(driftReport(app, 'OutOfSync')), app).toBe(false);
    // An app that gets issues tries GitHub (and fails here: nothing listens).
    await expect(notifier.notify(driftReport('web', 'OutOfSync'))).rejects.toThrow();

    config.server.driftIssues = false;
    const globallyOff = createConfiguredDriftNotifier(config, secrets, createThrottledWriter({ retries: 0 }), driftMarkdown);
    expect(await globallyOff.notify(driftReport('web', 'OutOfSync'))).toBe(false);
    // The app's own setting wins over the server's.
    await expect(globallyOff.notify(driftReport('on', 'OutOfSync'))).rejects.toThrow();
  });
});
