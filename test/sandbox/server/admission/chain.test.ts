import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../../sandbox/index.ts';
import { generateCertificates } from '../../../../sandbox/server/certs.ts';
import { findTool } from '../../../../src/tools/binaries.ts';
import { call } from '../helpers.ts';

// The order of the admission chain as a client can observe it (kube-apiserver AllOrderedPlugins):
// mutating webhooks (reinvoked when needed) → defaulting of their output → validation →
// PodSecurity → validating webhooks (in parallel) → ResourceQuota → storage.

/* eslint-disable @typescript-eslint/no-explicit-any -- reviews are arbitrary JSON */
interface Seen { path: string; review: any }

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const patch = (ops: unknown[]): Record<string, unknown> => ({ patchType: 'JSONPatch', patch: b64(JSON.stringify(ops)) });

describe('admission chain order', () => {
  let sb: Sandbox;
  let server: Server;
  let port = 0;
  let caBundle = '';
  const seen: Seen[] = [];
  let dir = '';
  const kubectl = (args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> => new Promise((resolve) => {
    const child = execFile(findTool('kubectl').path, ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin);
  });
  const waiting = new Map<string, () => void>();

  /** What each path answers: a JSONPatch, a denial, or plain allowed. */
  const answer = async (path: string, review: any): Promise<Record<string, unknown>> => {
    const obj = review.request.object;
    switch (path) {
      case '/add-port': return patch([{ op: 'add', path: '/spec/ports/-', value: { name: 'extra', port: 81 } }, { op: 'add', path: '/metadata/labels', value: { ...obj.metadata.labels, stamped: 'yes' } }]);
      case '/bad-label': return patch([{ op: 'add', path: '/metadata/labels', value: { broken: 'not valid!' } }]);
      case '/a': return patch([{ op: 'add', path: '/metadata/annotations', value: { 'a-saw': obj.metadata.labels?.b ?? 'none' } }]);
      case '/slow-stamp': {
        // Slow enough for another write to land while the request waits for this webhook.
        await new Promise((r) => setTimeout(r, 250));
        return patch([{ op: 'add', path: '/metadata/annotations', value: { ...obj.metadata.annotations, stamped: 'slowly' } }]);
      }
      case '/b': return patch([{ op: 'add', path: '/metadata/labels', value: { ...obj.metadata.labels, b: 'set' } }]);
      case '/harden': {
        const containers = (obj.spec.containers as unknown[]).map((_, i) => ({ op: 'add', path: `/spec/containers/${i}/securityContext`, value: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }));
        return patch([{ op: 'add', path: '/spec/securityContext', value: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } }, ...containers]);
      }
      case '/meet-1': case '/meet-2': {
        // Each validating webhook answers only once the other one has been called too: called in
        // turn, the first would wait alone and refuse.
        const other = path === '/meet-1' ? '/meet-2' : '/meet-1';
        const partner = waiting.get(other);
        if (partner) {
          partner();
          return {};
        }
        const met = await new Promise<boolean>((resolve) => {
          waiting.set(path, () => resolve(true));
          setTimeout(() => resolve(false), 1500);
        });
        waiting.delete(path);
        return met ? {} : { allowed: false, status: { message: 'called alone' } };
      }
      default: return {};
    }
  };

  const configure = async (kind: 'Mutating' | 'Validating', name: string, path: string, resources: string[], test: string, extra: Record<string, unknown> = {}): Promise<void> => {
    const resource = `${kind.toLowerCase()}webhookconfigurations`;
    const webhook = {
      name: `${name}.example.com`, admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url: `https://127.0.0.1:${port}${path}`, caBundle },
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources }], namespaceSelector: { matchLabels: { test } }, ...extra,
    };
    const res = await call(sb, 'POST', `/apis/admissionregistration.k8s.io/v1/${resource}`, { body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`, metadata: { name }, webhooks: [webhook] } });
    expect(res.status, res.text).toBe(201);
  };
  const namespace = async (name: string, labels: Record<string, string> = {}): Promise<void> => {
    expect((await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name, labels: { test: name, ...labels } } } })).status).toBe(201);
  };
  const calls = (path: string, ns: string): Seen[] => seen.filter((s) => s.path === path && s.review.request.namespace === ns);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-chain-'));
    sb = await startSandbox({ controllers: false, kubeconfigPath: join(dir, 'kubeconfig') });
    const certs = await generateCertificates([]);
    caBundle = b64(certs.caPem);
    server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as any;
        const path = (req.url ?? '').split('?')[0]!;
        seen.push({ path, review: structuredClone(review) });
        void answer(path, review).then((response) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, ...response } }));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    for (const ns of ['order', 'invalid', 'reinvoke', 'once', 'parallel', 'race']) await namespace(ns);
    await namespace('secure', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    await configure('Mutating', 'add-port', '/add-port', ['services'], 'order');
    await configure('Validating', 'record', '/record', ['services', 'configmaps', 'pods'], 'order');
    await configure('Mutating', 'bad-label', '/bad-label', ['configmaps'], 'invalid');
    await configure('Validating', 'record-invalid', '/record', ['configmaps'], 'invalid');
    await configure('Mutating', 'a-first', '/a', ['configmaps'], 'reinvoke', { reinvocationPolicy: 'IfNeeded' });
    await configure('Mutating', 'b-second', '/b', ['configmaps'], 'reinvoke');
    await configure('Mutating', 'a-once', '/a', ['configmaps'], 'once', { reinvocationPolicy: 'Never' });
    await configure('Mutating', 'b-once', '/b', ['configmaps'], 'once');
    await configure('Validating', 'meet-1', '/meet-1', ['configmaps'], 'parallel', { timeoutSeconds: 5 });
    await configure('Validating', 'meet-2', '/meet-2', ['configmaps'], 'parallel', { timeoutSeconds: 5 });
    await configure('Mutating', 'slow-stamp', '/slow-stamp', ['configmaps'], 'race');
    await configure('Mutating', 'harden', '/harden', ['pods'], 'secure');
    await configure('Validating', 'record-secure', '/record', ['pods'], 'secure');
  });

  afterAll(async () => {
    await sb.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a validating webhook sees what the mutating one did, defaulted, and the stored object is that one', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/order/services', { body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } } });
    expect(res.status, res.text).toBe(201);
    const [mutating] = calls('/add-port', 'order');
    const [validating] = calls('/record', 'order');
    // Built-in defaults come before the mutating webhook (decoding) ...
    expect(mutating!.review.request.object.spec.sessionAffinity).toBe('None');
    // ... and the webhook's output is defaulted again: the port it added has protocol and targetPort.
    expect(validating!.review.request.object.spec.ports).toEqual([
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 },
      { name: 'extra', port: 81, protocol: 'TCP', targetPort: 81 },
    ]);
    expect(validating!.review.request.object.metadata.labels).toEqual({ stamped: 'yes' });
    expect(res.json.spec.ports[1]).toEqual({ name: 'extra', port: 81, protocol: 'TCP', targetPort: 81 });
    // managedFields are recorded before mutating admission: what the webhook added has no manager.
    const [entry] = res.json.metadata.managedFields as Array<{ operation: string; fieldsV1: Record<string, any> }>;
    expect(entry!.operation).toBe('Update');
    expect(Object.keys(entry!.fieldsV1['f:spec']['f:ports']).filter((k) => k !== '.')).toEqual(['k:{"port":80,"protocol":"TCP"}']);
    expect(entry!.fieldsV1['f:metadata']).toBeUndefined();
  });

  it('a generateName create is named after mutating admission: webhooks see an empty request name', async () => {
    const before = seen.length;
    const res = await call(sb, 'POST', '/api/v1/namespaces/order/services', { body: { metadata: { generateName: 'gen-' }, spec: { ports: [{ name: 'http', port: 80 }] } } });
    expect(res.status, res.text).toBe(201);
    expect(res.json.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const [mutating, validating] = seen.slice(before);
    expect(mutating!.path).toBe('/add-port');
    expect(mutating!.review.request.name).toBe('');
    expect(mutating!.review.request.object.metadata.name).toBeUndefined();
    expect(validating!.review.request.name).toBe('');
    expect(validating!.review.request.object.metadata.name).toBe(res.json.metadata.name);
  });

  it('dry runs go through the same chain and store nothing', async () => {
    const before = seen.length;
    const res = await call(sb, 'POST', '/api/v1/namespaces/order/services?dryRun=All', { body: { metadata: { name: 'dry' }, spec: { ports: [{ name: 'http', port: 80 }] } } });
    expect(res.status, res.text).toBe(201);
    expect(res.json.metadata.labels).toEqual({ stamped: 'yes' });
    const reviews = seen.slice(before);
    expect(reviews.map((s) => s.path)).toEqual(['/add-port', '/record']);
    expect(reviews.every((s) => s.review.request.dryRun === true)).toBe(true);
    expect(reviews[1]!.review.request.object.spec.ports).toHaveLength(2);
    expect((await call(sb, 'GET', '/api/v1/namespaces/order/services/dry')).status).toBe(404);
  });

  it('a mutating webhook that sets an invalid value gets the 422 of validation; validating webhooks are not called', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/invalid/configmaps', { body: { metadata: { name: 'c' }, data: { a: '1' } } });
    expect(res.status, res.text).toBe(422);
    expect(res.json.message).toContain('ConfigMap "c" is invalid: metadata.labels: Invalid value: "not valid!"');
    expect(calls('/bad-label', 'invalid')).toHaveLength(1);
    expect(calls('/record', 'invalid')).toHaveLength(0);
  });

  it('reinvocationPolicy IfNeeded: a webhook runs again when a later one changed the object', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/reinvoke/configmaps', { body: { metadata: { name: 'c' } } });
    expect(res.status, res.text).toBe(201);
    const a = calls('/a', 'reinvoke');
    expect(a).toHaveLength(2);
    expect(a[0]!.review.request.object.metadata.labels).toBeUndefined();
    expect(a[1]!.review.request.object.metadata.labels).toEqual({ b: 'set' });
    expect(calls('/b', 'reinvoke')).toHaveLength(1);
    expect(res.json.metadata.annotations).toEqual({ 'a-saw': 'set' });
    expect(res.json.metadata.labels).toEqual({ b: 'set' });

    // reinvocationPolicy Never (the default): called once, so it never saw the label.
    const once = await call(sb, 'POST', '/api/v1/namespaces/once/configmaps', { body: { metadata: { name: 'c' } } });
    expect(once.status, once.text).toBe(201);
    expect(calls('/a', 'once')).toHaveLength(1);
    expect(once.json.metadata.annotations).toEqual({ 'a-saw': 'none' });
  });

  it('validating webhooks are called in parallel', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/parallel/configmaps', { body: { metadata: { name: 'c' } } });
    expect(res.status, res.text).toBe(201);
    expect(calls('/meet-1', 'parallel')).toHaveLength(1);
    expect(calls('/meet-2', 'parallel')).toHaveLength(1);
  });

  it('PodSecurity judges the Pod the mutating webhooks left, before the validating webhooks see it', async () => {
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
    const res = await call(sb, 'POST', '/api/v1/namespaces/secure/pods', { body: pod });
    expect(res.status, res.text).toBe(201);
    expect(res.json.spec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(calls('/record', 'secure')).toHaveLength(1);

    // Without the mutating webhook's help (its namespaceSelector does not match), PodSecurity refuses first.
    await namespace('insecure', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    await configure('Validating', 'record-insecure', '/record', ['pods'], 'insecure');
    const refused = await call(sb, 'POST', '/api/v1/namespaces/insecure/pods', { body: pod });
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain('pods "p" is forbidden: violates PodSecurity "restricted:latest"');
    expect(calls('/record', 'insecure')).toHaveLength(0);
  });

  it('kubectl: a server dry run shows what the webhooks did; a webhook\'s invalid value is kubectl\'s "is invalid" error', async () => {
    const svc = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'kdry', namespace: 'order' }, spec: { ports: [{ name: 'http', port: 80 }] } });
    const dry = await kubectl(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], svc);
    expect(dry.code, dry.stderr).toBe(0);
    const shown = JSON.parse(dry.stdout) as { metadata: { labels: Record<string, string> }; spec: { ports: unknown[] } };
    expect(shown.metadata.labels).toEqual({ stamped: 'yes' });
    expect(shown.spec.ports[1]).toEqual({ name: 'extra', port: 81, protocol: 'TCP', targetPort: 81 });
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kbad', namespace: 'invalid' } });
    const refused = await kubectl(['create', '-f', '-'], cm);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('The ConfigMap "kbad" is invalid: metadata.labels: Invalid value: "not valid!"');
  });

  it('a write that lands while the webhooks run makes the request run again (GuaranteedUpdate), or the 409 of its precondition', async () => {
    const created = await call(sb, 'POST', '/api/v1/namespaces/race/configmaps', { body: { metadata: { name: 'c' }, data: { a: '0' } } });
    expect(created.status, created.text).toBe(201);
    const info = sb.cluster.registry.lookup('', 'v1', 'configmaps')!;
    const sneakIn = async (key: string, value: string): Promise<void> => {
      const before = calls('/slow-stamp', 'race').length;
      while (calls('/slow-stamp', 'race').length === before) await new Promise((r) => setTimeout(r, 5));
      const live = sb.cluster.store.get(info, 'race', 'c')!;
      sb.cluster.update(info, 'race', 'c', { ...live, data: { ...(live.data as Record<string, string>), [key]: value } }, { manager: 'someone-else', internal: true });
    };
    const patching = call(sb, 'PATCH', '/api/v1/namespaces/race/configmaps/c', { body: { data: { a: '1' } }, contentType: 'application/merge-patch+json' });
    await sneakIn('b', '2');
    const patched = await patching;
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.data).toEqual({ a: '1', b: '2' });
    expect(patched.json.metadata.annotations).toEqual({ stamped: 'slowly' });
    expect(calls('/slow-stamp', 'race')).toHaveLength(3);

    // An update that names the resourceVersion it read is refused once that version is gone.
    const rv = patched.json.metadata.resourceVersion as string;
    const putting = call(sb, 'PUT', '/api/v1/namespaces/race/configmaps/c', { body: { metadata: { name: 'c', resourceVersion: rv }, data: { a: '3' } } });
    await sneakIn('c', '4');
    const refused = await putting;
    expect(refused.status).toBe(409);
    expect(refused.json.message).toBe('Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again');
  });
});
