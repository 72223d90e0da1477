import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { generateCertificates } from '../../sandbox/server/certs.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import { appConfig, configMap } from '../sync/fixtures.ts';
import { getJson, GitRepo, postJson, requests, resetRequests, sandboxDeps } from './sync-support.ts';

let sb: Sandbox;
let repo: GitRepo;
let server: Server;
let dryRuns = 0;

beforeAll(async () => {
  sb = await startSandbox({});
  repo = new GitRepo();
  const certs = await generateCertificates();
  // The cluster's policy webhook: ConfigMaps named banned-* are refused.
  server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { request } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string; name: string; dryRun: boolean } };
      if (request.dryRun) dryRuns++;
      const allowed = !request.name.startsWith('banned-');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: request.uid, allowed, ...(allowed ? {} : { status: { message: 'ConfigMaps named banned-* are not allowed' } }) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await postJson(sb, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'policed' } });
  await postJson(sb, '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'names' },
    webhooks: [{
      name: 'names.policy.example.com', admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Fail',
      clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: Buffer.from(certs.caPem).toString('base64') },
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
    }],
  });
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await sb?.stop();
  repo?.remove();
});

function deps(): SyncDeps {
  return sandboxDeps(sb, repo, { pollMs: 100 });
}

const app = appConfig({ name: 'policed', namespace: 'policed', createNamespace: false, healthTimeoutSeconds: 2, allow: { namespaces: ['policed'], kinds: ['*'], clusterScoped: false } });

describe('admission webhooks', () => {
  it('an object a validating webhook denies fails the sync at preflight naming the file and the webhook; nothing written', async () => {
    repo.commit({ 'app/ok.yaml': [configMap('settings')], 'app/banned.yaml': [configMap('banned-one')] });
    await resetRequests(sb);
    const result = await syncApp(deps(), app);
    expect(result.status).toBe('Failed');
    const error = result.errors[0]!;
    expect(error.code).toBe('ADMISSION_DENIED');
    expect(error.file).toBe('app/banned.yaml');
    expect(error.message).toMatch(/^app\/banned\.yaml(:\d+)?: admission webhook "names\.policy\.example\.com" denied the request: ConfigMaps named banned-\* are not allowed/);
    expect(error.message).toContain(`refused by the cluster's admission webhook "names.policy.example.com"`);
    expect(dryRuns).toBeGreaterThan(0);
    expect((await requests(sb)).writes).toBe(0);
    expect(await getJson(sb, '/api/v1/namespaces/policed/configmaps/settings')).toBeUndefined();
  }, 20_000);
});
