import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../../sandbox/index.ts';
import { generateCertificates } from '../../../../sandbox/server/certs.ts';
import { call, cm } from '../helpers.ts';

const API = '/apis/admissionregistration.k8s.io/v1';

describe('webhook matchConditions', () => {
  let sb: Sandbox;
  let server: Server;
  let url = '';
  let caBundle = '';
  const calls: string[] = [];

  const configure = async (kind: 'Mutating' | 'Validating', name: string, webhook: Record<string, unknown>): Promise<{ status: number; json: { message: string } }> => {
    const resource = `${kind.toLowerCase()}webhookconfigurations`;
    const body = { apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`, metadata: { name }, webhooks: [{ admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url, caBundle }, name: `${name}.example.com`, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }], ...webhook }] };
    return call(sb, 'POST', `${API}/${resource}`, { body });
  };

  beforeAll(async () => {
    sb = await startSandbox({});
    const certs = await generateCertificates();
    caBundle = Buffer.from(certs.caPem).toString('base64');
    server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string; name: string } };
        calls.push(review.request.name);
        res.setHeader('content-type', 'application/json');
        if (req.url?.startsWith('/shrink')) {
          const patch = Buffer.from(JSON.stringify([{ op: 'replace', path: '/data/size', value: '1' }])).toString('base64');
          res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, patchType: 'JSONPatch', patch } }));
          return;
        }
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: false, status: { message: 'no' } } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (const [name, expression, failurePolicy] of [['labelled', "has(object.metadata.labels) && 'check' in object.metadata.labels", 'Fail'], ['broken', 'object.data.nope == "x"', 'Fail'], ['lenient', 'object.data.nope == "x"', 'Ignore']] as const) {
      const res = await configure('Validating', name, { failurePolicy, matchConditions: [{ name: 'not-system', expression: '!request.userInfo.username.startsWith("system:")' }, { name: 'scoped', expression: `request.namespace == "${name}"` }, { name: 'cond', expression }] });
      expect(res.status).toBe(201);
    }
    for (const ns of ['labelled', 'broken', 'lenient']) await call(sb, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
  });
  afterAll(async () => {
    await sb?.stop();
    server?.close();
  });

  it('a false condition skips the webhook; all true calls it', async () => {
    expect((await call(sb, 'POST', '/api/v1/namespaces/labelled/configmaps', { body: cm('plain') })).status).toBe(201);
    expect(calls).not.toContain('plain');
    const res = await call(sb, 'POST', '/api/v1/namespaces/labelled/configmaps', { body: cm('checked', { a: '1' }, { check: 'yes' }) });
    expect(res.status).toBe(400);
    expect(res.json.message).toBe('admission webhook "labelled.example.com" denied the request: no');
    expect(calls).toContain('checked');
  });

  it('an evaluation error follows failurePolicy: Fail is the real 403, Ignore skips', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/broken/configmaps', { body: cm('c') });
    expect(res.status).toBe(403);
    expect(res.json.message).toBe(`configmaps "c" is forbidden: expression 'object.data.nope == "x"' resulted in error: no such key: nope`);
    expect((await call(sb, 'POST', '/api/v1/namespaces/lenient/configmaps', { body: cm('c') })).status).toBe(201);
    expect(calls).not.toContain('c');
  });

  it('ValidatingAdmissionPolicies see the object as mutating webhooks left it, dry runs included', async () => {
    await call(sb, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'order' } } });
    expect((await configure('Mutating', 'shrink', { clientConfig: { url: `${url}shrink`, caBundle }, matchConditions: [{ name: 'order', expression: 'request.namespace == "order"' }] })).status).toBe(201);
    const vap = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'small' }, spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] }, matchConditions: [{ name: 'order', expression: 'request.namespace == "order"' }], validations: [{ expression: 'object.data.size == "1"' }] } };
    expect((await call(sb, 'POST', `${API}/validatingadmissionpolicies`, { body: vap })).status).toBe(201);
    expect((await call(sb, 'POST', `${API}/validatingadmissionpolicybindings`, { body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'small' }, spec: { policyName: 'small', validationActions: ['Deny'] } } })).status).toBe(201);
    const dry = await call(sb, 'POST', '/api/v1/namespaces/order/configmaps?dryRun=All', { body: cm('big', { size: '9' }) });
    expect(dry.status, dry.text).toBe(201);
    expect(dry.json.data).toEqual({ size: '1' });
    const res = await call(sb, 'POST', '/api/v1/namespaces/order/configmaps', { body: cm('big', { size: '9' }) });
    expect(res.status, res.text).toBe(201);
    expect(res.json.data).toEqual({ size: '1' });
  });

  it('conditions that do not compile, or more than 64, are refused when the configuration is written', async () => {
    const res = await configure('Mutating', 'bad', { matchConditions: [{ name: 'x', expression: 'object.metadata.name.shout()' }] });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe(`MutatingWebhookConfiguration.admissionregistration.k8s.io "bad" is invalid: webhooks[0].matchConditions[0].expression: Invalid value: "object.metadata.name.shout()": compilation failed: ERROR: <input>:1:27: undeclared reference to 'shout' (in container '')\n | object.metadata.name.shout()\n | ..........................^`);
    const many = await configure('Validating', 'many', { matchConditions: Array.from({ length: 65 }, (_, i) => ({ name: `c${i}`, expression: 'true' })) });
    expect(many.status).toBe(422);
    expect(many.json.message).toBe('ValidatingWebhookConfiguration.admissionregistration.k8s.io "many" is invalid: webhooks[0].matchConditions: Too many: 65: must have at most 64 items');
  });
});
