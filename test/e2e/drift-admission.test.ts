import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { generateCertificates } from '../../sandbox/server/certs.ts';
import { createKubernetesCluster } from '../../src/adapters/kubernetes/client.ts';
import { configMapType } from '../../src/inventory/inventory.ts';
import { checkAppDrift } from '../../src/drift/check.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import { appConfig, configMap } from '../sync/fixtures.ts';
import { getJson, GitRepo, postJson, requests, resetRequests, sandboxDeps } from './sync-support.ts';

let sb: Sandbox;
let repo: GitRepo;
let server: Server;

beforeAll(async () => {
  sb = await startSandbox({});
  repo = new GitRepo();
  const certs = await generateCertificates();
  // The cluster's mutating webhook: every ConfigMap gets team=platform, whatever the manifest says.
  server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { request } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string } };
      const patch = [{ op: 'add', path: '/metadata/labels/team', value: 'platform' }];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: request.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await postJson(sb, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'labelled' } });
  await postJson(sb, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'team' },
    webhooks: [{
      name: 'team.policy.example.com', admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Fail',
      clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: Buffer.from(certs.caPem).toString('base64') },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'labelled' } },
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

const deps = (): SyncDeps => sandboxDeps(sb, repo, { pollMs: 50 });
const app = appConfig({ name: 'labelled', namespace: 'labelled', createNamespace: false, healthTimeoutSeconds: 5, allow: { namespaces: ['labelled'], kinds: ['*'], clusterScoped: false } });

describe('drift and admission', () => {
  it('a value the admission chain sets on every write is not drift; a real change beside it is', async () => {
    const settings = configMap('settings');
    settings.metadata.labels = { team: 'web' };
    repo.commit({ 'app/settings.yaml': [settings] });
    expect((await syncApp(deps(), app)).errors).toEqual([]);
    expect((await getJson(sb, '/api/v1/namespaces/labelled/configmaps/settings'))?.metadata.labels?.team).toBe('platform');
    await resetRequests(sb);
    const clean = await checkAppDrift(deps(), app);
    expect(clean).toMatchObject({ status: 'Synced', objects: [] });
    // It differs from the manifest, so it is a suspect: one dry run clears it.
    expect((await requests(sb)).dryRun).toBe(1);

    const cluster = createKubernetesCluster(sb.kubeconfig);
    await cluster.apply(configMapType, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'labelled' }, data: { key: 'hand-edited' } }, { fieldManager: 'hand', force: true });
    const drifted = await checkAppDrift(deps(), app);
    expect(drifted.status).toBe('OutOfSync');
    expect(drifted.objects).toEqual([{ ref: { group: '', kind: 'ConfigMap', namespace: 'labelled', name: 'settings' }, state: 'modified', origin: { file: 'app/settings.yaml', line: expect.any(Number) }, fields: [{ path: '/data/key', desired: 'value', live: 'hand-edited', manager: 'hand' }] }]);
  });
});
