import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../../sandbox/index.ts';
import { generateCertificates } from '../../../../sandbox/server/certs.ts';
import { findTool } from '../../../../src/tools/binaries.ts';
import { call } from '../helpers.ts';

interface Review { request: { uid: string; operation: string; name: string; namespace?: string; dryRun: boolean; object: { metadata: { labels?: Record<string, string> } } | null; oldObject: unknown; userInfo: { username: string }; resource: { resource: string }; subResource?: string } }
interface Run { code: number; stdout: string; stderr: string }

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('admission webhooks', () => {
  let sb: Sandbox;
  let server: Server;
  let port = 0;
  let caBundle = '';
  let dir = '';
  let kubeconfig = '';
  const seen: Array<{ path: string; review: Review }> = [];

  const kubectl = (args: string[], stdin?: string): Promise<Run> => new Promise((resolve) => {
    const child = execFile(findTool('kubectl').path, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
  const configure = async (kind: 'Mutating' | 'Validating', name: string, webhook: Record<string, unknown>): Promise<void> => {
    const resource = `${kind.toLowerCase()}webhookconfigurations`;
    const body = { apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`, metadata: { name }, webhooks: [{ admissionReviewVersions: ['v1'], sideEffects: 'None', ...webhook }] };
    const res = await call(sb, 'POST', `/apis/admissionregistration.k8s.io/v1/${resource}`, { body });
    expect(res.status, res.text).toBe(201);
  };
  const service = (path: string): Record<string, unknown> => ({ service: { namespace: 'hooks', name: 'hook', port: 443, path }, caBundle });
  const rules = (resources: string[], operations = ['CREATE', 'UPDATE']): Array<Record<string, unknown>> => [{ operations, apiGroups: [''], apiVersions: ['v1'], resources }];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-webhooks-'));
    kubeconfig = join(dir, 'kubeconfig');
    sb = await startSandbox({ kubeconfigPath: kubeconfig });
    const certs = await generateCertificates(['hook.hooks.svc']);
    caBundle = b64(certs.caPem);
    server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
        const path = (req.url ?? '').split('?')[0]!;
        seen.push({ path: req.url ?? '', review });
        const uid = review.request.uid;
        let response: Record<string, unknown> = { uid, allowed: true };
        if (path === '/label') response = { uid, allowed: true, patchType: 'JSONPatch', patch: b64(JSON.stringify([{ op: 'add', path: '/metadata/labels', value: { ...review.request.object?.metadata.labels, stamped: 'yes' } }])) };
        if (path === '/deny') response = { uid, allowed: false, status: { code: 403, message: 'configmaps named forbidden-* are not allowed' } };
        if (path === '/slow') return;
        if (path === '/wrong-uid') response = { uid: 'not-the-request', allowed: true };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    expect((await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'hooks' } } })).status).toBe(201);
    expect((await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'guarded', labels: { guarded: 'true' } } } })).status).toBe(201);
    expect((await call(sb, 'POST', '/api/v1/namespaces/hooks/services', { body: { metadata: { name: 'hook' }, spec: { ports: [{ port: 443, targetPort: port }] } } })).status).toBe(201);
    const slice = { metadata: { name: 'hook-1', labels: { 'kubernetes.io/service-name': 'hook' } }, addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'] }], ports: [{ port }] };
    expect((await call(sb, 'POST', '/apis/discovery.k8s.io/v1/namespaces/hooks/endpointslices', { body: slice })).status).toBe(201);
    await configure('Mutating', 'stamp', { name: 'stamp.example.com', clientConfig: service('/label'), rules: rules(['configmaps']), objectSelector: { matchLabels: { stamp: 'me' } } });
    await configure('Validating', 'deny', { name: 'deny.example.com', clientConfig: service('/deny'), rules: rules(['secrets']), namespaceSelector: { matchLabels: { guarded: 'true' } } });
    await configure('Validating', 'missing', { name: 'missing.example.com', clientConfig: { service: { namespace: 'hooks', name: 'gone', path: '/check' }, caBundle }, rules: rules(['services']), failurePolicy: 'Fail' });
    await configure('Validating', 'ignored', { name: 'ignored.example.com', clientConfig: { url: 'https://127.0.0.1:1/x', caBundle }, rules: rules(['serviceaccounts']), failurePolicy: 'Ignore' });
    await configure('Validating', 'effects', { name: 'effects.example.com', clientConfig: service('/ok'), rules: rules(['persistentvolumeclaims']), sideEffects: 'Some' });
    await configure('Validating', 'wrong', { name: 'wrong.example.com', clientConfig: service('/wrong-uid'), rules: rules(['limitranges']) });
    await configure('Validating', 'keep', { name: 'keep.example.com', clientConfig: service('/deny'), rules: rules(['configmaps'], ['DELETE']), objectSelector: { matchLabels: { keep: 'yes' } } });
    await configure('Validating', 'slow', { name: 'slow.example.com', clientConfig: { url: `https://127.0.0.1:${port}/slow`, caBundle }, rules: rules(['replicationcontrollers']), timeoutSeconds: 1 });
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await sb.stop();
  });
  beforeEach(() => { seen.length = 0; });

  it('a mutating webhook reached through the Service and its EndpointSlice adds a label kubectl apply stores', async () => {
    const applied = await kubectl(['apply', '-n', 'guarded', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stamped, labels: {stamp: me}}\ndata: {a: "1"}\n');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const stored = await call(sb, 'GET', '/api/v1/namespaces/guarded/configmaps/stamped');
    expect(stored.json.metadata.labels).toEqual({ stamp: 'me', stamped: 'yes' });
    const hit = seen.find((s) => s.review.request.name === 'stamped')!;
    expect(hit.path).toBe('/label?timeout=10s');
    expect(hit.review.request).toMatchObject({ operation: 'CREATE', namespace: 'guarded', dryRun: false, userInfo: { username: 'admin' }, resource: { resource: 'configmaps' } });
    // objectSelector: an unlabelled ConfigMap is not sent.
    seen.length = 0;
    expect((await call(sb, 'POST', '/api/v1/namespaces/guarded/configmaps', { body: { metadata: { name: 'plain' } } })).json.metadata.labels).toBeUndefined();
    expect(seen).toHaveLength(0);
  });

  it('a denial is the webhook\'s code and message, printed by kubectl; the namespaceSelector limits it', async () => {
    const denied = await kubectl(['create', 'secret', 'generic', 'forbidden-1', '-n', 'guarded', '--from-literal=a=b']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('error: failed to create secret admission webhook "deny.example.com" denied the request: configmaps named forbidden-* are not allowed');
    const raw = await call(sb, 'POST', '/api/v1/namespaces/guarded/secrets', { body: { metadata: { name: 'forbidden-2' } } });
    expect(raw.status).toBe(403);
    expect((await call(sb, 'GET', '/api/v1/namespaces/guarded/secrets/forbidden-1')).status).toBe(404);
    expect((await call(sb, 'POST', '/api/v1/namespaces/hooks/secrets', { body: { metadata: { name: 'elsewhere' } } })).status).toBe(201);
  });

  it('failurePolicy Fail with a missing Service is the real 500; Ignore lets the write through', async () => {
    const failed = await kubectl(['create', 'service', 'clusterip', 'web', '-n', 'hooks', '--tcp=80:80']);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('Internal error occurred: failed calling webhook "missing.example.com": failed to call webhook: Post "https://gone.hooks.svc:443/check?timeout=10s": service "gone" not found');
    const res = await call(sb, 'POST', '/api/v1/namespaces/hooks/services', { body: { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } } });
    expect(res.status).toBe(500);
    expect(res.json.reason).toBe('InternalError');
    expect((await call(sb, 'POST', '/api/v1/namespaces/hooks/serviceaccounts', { body: { metadata: { name: 'through' } } })).status).toBe(201);
  });

  it('dry runs: sideEffects None is called with dryRun true, other side effects refuse the dry run', async () => {
    const dry = await call(sb, 'POST', '/api/v1/namespaces/guarded/configmaps?dryRun=All', { body: { metadata: { name: 'trial', labels: { stamp: 'me' } } } });
    expect(dry.status).toBe(201);
    expect(dry.json.metadata.labels.stamped).toBe('yes');
    expect(seen[0]!.review.request.dryRun).toBe(true);
    expect((await call(sb, 'GET', '/api/v1/namespaces/guarded/configmaps/trial')).status).toBe(404);
    const pvc = { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    const refused = await call(sb, 'POST', '/api/v1/namespaces/hooks/persistentvolumeclaims?dryRun=All', { body: pvc });
    expect(refused.status).toBe(400);
    expect(refused.json.message).toBe('admission webhook "effects.example.com" does not support dry run');
    expect((await call(sb, 'POST', '/api/v1/namespaces/hooks/persistentvolumeclaims', { body: pvc })).status).toBe(201);
  });

  it('updates send the old object; timeoutSeconds is honoured', async () => {
    const patched = await call(sb, 'PATCH', '/api/v1/namespaces/guarded/configmaps/stamped', { body: { data: { a: '2' } }, contentType: 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    expect(seen[0]!.review.request.operation).toBe('UPDATE');
    expect(seen[0]!.review.request.oldObject).toMatchObject({ data: { a: '1' } });
    const started = Date.now();
    const slow = await call(sb, 'POST', '/api/v1/namespaces/hooks/replicationcontrollers', { body: { metadata: { name: 'rc' }, spec: { selector: { a: 'b' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } } });
    expect(slow.status).toBe(500);
    expect(slow.json.message).toBe(`Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/slow?timeout=1s": context deadline exceeded`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('DELETE sends the old object; the objectSelector matches its labels', async () => {
    expect((await call(sb, 'POST', '/api/v1/namespaces/hooks/configmaps', { body: { metadata: { name: 'kept', labels: { keep: 'yes' } } } })).status).toBe(201);
    expect((await call(sb, 'POST', '/api/v1/namespaces/hooks/configmaps', { body: { metadata: { name: 'loose' } } })).status).toBe(201);
    seen.length = 0;
    const refused = await kubectl(['delete', 'configmap', 'kept', '-n', 'hooks']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('admission webhook "keep.example.com" denied the request');
    expect(seen[0]!.review.request).toMatchObject({ operation: 'DELETE', name: 'kept', object: null, oldObject: { metadata: { name: 'kept' } } });
    expect((await call(sb, 'GET', '/api/v1/namespaces/hooks/configmaps/kept')).status).toBe(200);
    expect((await call(sb, 'DELETE', '/api/v1/namespaces/hooks/configmaps/loose')).status).toBe(200);
  });

  it('a response for another request is an invalid response (500 under the default failurePolicy Fail)', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/hooks/limitranges', { body: { metadata: { name: 'lr' }, spec: { limits: [] } } });
    expect(res.status).toBe(500);
    expect(res.json.message).toMatch(/^Internal error occurred: failed calling webhook "wrong\.example\.com": received invalid webhook response: expected response\.uid="[^"]+", got "not-the-request"$/);
    expect((await call(sb, 'GET', '/api/v1/namespaces/hooks/limitranges/lr')).status).toBe(404);
  });
});
