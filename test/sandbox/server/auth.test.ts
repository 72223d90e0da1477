import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call, deployment } from './helpers.ts';

describe('sandbox transport and auth', () => {
  let sb: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-auth-'));
  beforeAll(async () => {
    sb = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig'), controllers: false });
  });
  afterAll(() => sb.stop());

  it('starts in under 2 s on HTTPS with a CA of its own', async () => {
    const started = Date.now();
    const other = await startSandbox({ controllers: false });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(other.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(other.caPem).toContain('BEGIN CERTIFICATE');
    expect((await call(other, 'GET', '/version')).status).toBe(200);
    await other.stop();
  });

  it('writes a kubeconfig with an admin current context, a viewer context and the CA data', () => {
    const config = parse(readFileSync(join(dir, 'kubeconfig'), 'utf8'));
    expect(config['current-context']).toBe('sandbox');
    expect(config.contexts.map((c: { name: string }) => c.name)).toEqual(['sandbox', 'sandbox-viewer']);
    expect(Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(sb.caPem);
    expect(config.users.find((u: { name: string }) => u.name === 'sandbox-admin').user.token).toBe(sb.adminToken);
    expect(config.users.find((u: { name: string }) => u.name === 'sandbox-viewer').user.token).toBe(sb.viewerToken);
  });

  it('serves /version and health endpoints to anonymous users (system:public-info-viewer)', async () => {
    const version = await call(sb, 'GET', '/version', { token: null });
    expect(version.status).toBe(200);
    expect(version.json.gitVersion).toMatch(/^v1\.34\./);
    for (const path of ['/healthz', '/livez', '/readyz']) expect((await call(sb, 'GET', path, { token: null })).status).toBe(200);
  });

  it('answers 403 to anonymous requests on resources and discovery, with the real Status message', async () => {
    const res = await call(sb, 'GET', '/api/v1/namespaces/default/configmaps', { token: null });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403 });
    expect(res.json.message).toBe('configmaps is forbidden: User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "default"');
    const api = await call(sb, 'GET', '/api', { token: null });
    expect(api.status).toBe(403);
    expect(api.json.message).toBe('forbidden: User "system:anonymous" cannot get path "/api"');
  });

  it('answers 401 Unauthorized to a token nobody issued', async () => {
    const res = await call(sb, 'GET', '/api/v1/namespaces', { token: 'nope' });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
  });

  it('lets the viewer read but not write, with the message shape of apiserver forbiddenMessage', async () => {
    expect((await call(sb, 'GET', '/apis/apps/v1/namespaces/default/deployments', { token: sb.viewerToken })).status).toBe(200);
    const created = await call(sb, 'POST', '/apis/apps/v1/namespaces/default/deployments', { token: sb.viewerToken, body: deployment('x') });
    expect(created.status).toBe(403);
    expect(created.json.message).toBe('deployments.apps is forbidden: User "viewer" cannot create resource "deployments" in API group "apps" in the namespace "default"');
    const patched = await call(sb, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/x?fieldManager=m', { token: sb.viewerToken, body: deployment('x'), contentType: 'application/apply-patch+yaml' });
    expect(patched.status).toBe(403);
    expect(patched.json.message).toBe('deployments.apps "x" is forbidden: User "viewer" cannot patch resource "deployments" in API group "apps" in the namespace "default"');
    expect(patched.json.details).toEqual({ name: 'x', group: 'apps', kind: 'deployments' });
    const ns = await call(sb, 'DELETE', '/api/v1/namespaces/default', { token: sb.viewerToken });
    expect(ns.json.message).toBe('namespaces "default" is forbidden: User "viewer" cannot delete resource "namespaces" in API group "" in the namespace "default"');
  });

  it('computes SelfSubjectAccessReview, SelfSubjectReview and TokenReview without storing them', async () => {
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'create', resource: 'deployments', group: 'apps', namespace: 'default' } } };
    const viewer = await call(sb, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { token: sb.viewerToken, body: review });
    expect(viewer.status).toBe(201);
    expect(viewer.json.status.allowed).toBe(false);
    const admin = await call(sb, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body: review });
    expect(admin.json.status.allowed).toBe(true);
    const who = await call(sb, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: sb.viewerToken, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(who.json.status.userInfo.username).toBe('viewer');
    const token = await call(sb, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: sb.adminToken } } });
    expect(token.json.status).toMatchObject({ authenticated: true, user: { username: 'admin' } });
    // Reviews only support create: listing them is 405 MethodNotAllowed, nothing was stored.
    expect((await call(sb, 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).status).toBe(405);
  });

  it('serves plain HTTP with insecure-skip-tls-verify in --http mode', async () => {
    const plain = await startSandbox({ http: true, controllers: false });
    expect(plain.url).toMatch(/^http:\/\//);
    expect(parse(plain.kubeconfig).clusters[0].cluster['insecure-skip-tls-verify']).toBe(true);
    expect((await call(plain, 'GET', '/api/v1/namespaces')).json.items.length).toBeGreaterThanOrEqual(4);
    await plain.stop();
  });
});
