import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { createKubernetesCluster } from '../../../src/adapters/kubernetes/client.ts';
import { DiscoveryCache } from '../../../src/adapters/kubernetes/discovery.ts';
import { statusError } from '../../../src/adapters/kubernetes/errors.ts';
import { retryingCluster } from '../../../src/apply/retrying.ts';
import { isDriftlessError, type DriftlessError } from '../../../src/core/errors.ts';
import { addFault, requests, resetRequests } from '../../e2e/sync-support.ts';

let sb: Sandbox;
let cacheDir: string;

beforeAll(async () => {
  sb = await startSandbox({});
  cacheDir = mkdtempSync(path.join(tmpdir(), 'driftless-discovery-'));
});

afterAll(async () => {
  await sb?.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('KubernetesCluster against the sandbox', () => {
  it('resolves kinds through discovery; unknown kinds and group versions are undefined', async () => {
    const c = createKubernetesCluster(sb.kubeconfig);
    expect(await c.resolve('apps/v1', 'Deployment')).toEqual({ group: 'apps', version: 'apps/v1'.split('/')[1], kind: 'Deployment', plural: 'deployments', namespaced: true });
    expect((await c.resolve('v1', 'Namespace'))?.namespaced).toBe(false);
    expect(await c.resolve('v1', 'Nope')).toBeUndefined();
    expect(await c.resolve('example.com/v1', 'Widget')).toBeUndefined();
  });

  it('applies (dry run and real), lists with apiVersion/kind filled in, gets, deletes', async () => {
    const c = createKubernetesCluster(sb.kubeconfig);
    const cm = (await c.resolve('v1', 'ConfigMap'))!;
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'adapter', namespace: 'default' }, data: { a: '1' } };
    await resetRequests(sb);
    const dry = await c.apply(cm, obj, { fieldManager: 'driftless', force: true, dryRun: true });
    expect(dry.metadata.managedFields?.[0]?.manager).toBe('driftless');
    expect(await c.get(cm, 'adapter', 'default')).toBeUndefined();
    const applied = await c.apply(cm, obj, { fieldManager: 'driftless', force: true });
    expect(typeof applied.metadata.creationTimestamp).toBe('string');
    const listed = (await c.list(cm, 'default')).find((o) => o.metadata.name === 'adapter');
    expect(listed).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
    expect(await c.delete(cm, 'adapter', 'default')).toBe(true);
    expect(await c.delete(cm, 'adapter', 'default')).toBe(false);
    const counts = await requests(sb);
    expect(counts.dryRun).toBe(1);
    expect(counts.writes).toBe(3);
  });

  it('deletes with preconditions: a stale uid or resourceVersion is a 409 and the object stays', async () => {
    const c = createKubernetesCluster(sb.kubeconfig);
    const cm = (await c.resolve('v1', 'ConfigMap'))!;
    const live = await c.apply(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'guarded', namespace: 'default' }, data: { a: '1' } }, { fieldManager: 'driftless', force: true });
    await expect(c.delete(cm, 'guarded', 'default', { uid: 'not-its-uid' })).rejects.toMatchObject({ details: { status: 409 } });
    await expect(c.delete(cm, 'guarded', 'default', { resourceVersion: '1' })).rejects.toMatchObject({ details: { status: 409 } });
    expect(await c.get(cm, 'guarded', 'default')).toBeDefined();
    expect(await c.delete(cm, 'guarded', 'default', { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion })).toBe(true);
    expect(await c.get(cm, 'guarded', 'default')).toBeUndefined();
  });

  it("refuses to build a request from a '..', '.', '%' or '/' name or namespace: no request leaves", async () => {
    const c = createKubernetesCluster(sb.kubeconfig);
    const cm = (await c.resolve('v1', 'ConfigMap'))!;
    await resetRequests(sb);
    const refused = async (work: Promise<unknown>): Promise<string> => {
      try {
        await work;
      } catch (err) {
        return isDriftlessError(err) ? `${err.code} ${err.message}` : String(err);
      }
      return 'not refused';
    };
    // Unchecked, `configmaps/..` becomes `/api/v1/namespaces/default`: the Namespace itself.
    expect(await refused(c.delete(cm, '..', 'default'))).toBe('MANIFEST_INVALID refusing to build a request for metadata.name "..": may not be \'..\'');
    expect(await refused(c.get(cm, '%2E%2E', 'default'))).toContain("may not contain '%'");
    expect(await refused(c.get(cm, 'a', '..'))).toContain('metadata.namespace ".."');
    expect(await refused(c.apply(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a/b', namespace: 'default' } }, { fieldManager: 'driftless', force: true }))).toContain("may not contain '/'");
    expect(await refused(c.resolve('v1/..', 'ConfigMap'))).toContain('API version');
    expect((await requests(sb)).total).toBe(0);
  });

  it("keeps the API server's message: 404 namespace on apply, 409 conflict", async () => {
    const c = createKubernetesCluster(sb.kubeconfig);
    const cm = (await c.resolve('v1', 'ConfigMap'))!;
    const err = await c.apply(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'missing' } }, { fieldManager: 'driftless', force: true }).catch((e: unknown) => e);
    expect(isDriftlessError(err, 'APPLY_FAILED') && err.message).toBe('namespaces "missing" not found');
    await c.apply(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned', namespace: 'default' }, data: { a: '1' } }, { fieldManager: 'someone', force: true });
    const conflict = await c.apply(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned', namespace: 'default' }, data: { a: '2' } }, { fieldManager: 'driftless', force: false }).catch((e: unknown) => e);
    expect(isDriftlessError(conflict, 'APPLY_CONFLICT') && conflict.message).toContain('conflict with "someone"');
  });

  it('maps 401 to CLUSTER_UNAUTHORIZED and 429 to a transient error with Retry-After', async () => {
    const bad = createKubernetesCluster(sb.kubeconfig.replace(sb.adminToken, 'wrong-token'));
    const err = await bad.list({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true }, 'default').catch((e: unknown) => e);
    expect(isDriftlessError(err, 'CLUSTER_UNAUTHORIZED')).toBe(true);
    const c = createKubernetesCluster(sb.kubeconfig);
    await addFault(sb, { verb: 'list', kind: '429', retryAfterSeconds: 2, count: 1 });
    const throttled = await c.list({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true }, 'default').catch((e: unknown) => e);
    expect(isDriftlessError(throttled, 'CLUSTER_UNAVAILABLE') && throttled.details).toMatchObject({ transient: true, retryAfterMs: 2000, status: 429 });
  });

  it('caches discovery on disk: a second process-fresh client asks nothing', async () => {
    const c = createKubernetesCluster(sb.kubeconfig, { discoveryCacheDir: cacheDir });
    await c.resolve('batch/v1', 'Job');
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    new DiscoveryCache(c.server).clear();
    await resetRequests(sb);
    const again = createKubernetesCluster(sb.kubeconfig, { discoveryCacheDir: cacheDir });
    expect((await again.resolve('batch/v1', 'Job'))?.plural).toBe('jobs');
    expect((await requests(sb)).total).toBe(0);
    // refresh goes to the server
    await again.resolve('batch/v1', 'Job', { refresh: true });
    expect((await requests(sb)).discovery).toBe(1);
    expect(existsSync(cacheDir)).toBe(true);
  });

  it('keeps connections alive; more concurrent requests than maxSockets wait for a socket instead of failing (node-fetch "Premature close")', async () => {
    const c = createKubernetesCluster(sb.kubeconfig, { maxSockets: 4 });
    const type = (await c.resolve('v1', 'ConfigMap'))!;
    const original = tls.connect;
    let opened = 0;
    (tls as { connect: unknown }).connect = (...args: unknown[]) => {
      opened++;
      return (original as (...a: unknown[]) => unknown)(...args);
    };
    try {
      await Promise.all(Array.from({ length: 24 }, () => c.list(type, 'default')));
      expect(opened).toBeGreaterThan(0);
      expect(opened).toBeLessThanOrEqual(4);
      const before = opened;
      await Promise.all(Array.from({ length: 24 }, () => c.list(type, 'default')));
      expect(opened).toBe(before);
    } finally {
      (tls as { connect: unknown }).connect = original;
    }
  });

  it('fetches OpenAPI v3 documents through the index', async () => {
    const c = createKubernetesCluster(sb.kubeconfig);
    const doc = await c.openApi('apps', 'v1');
    expect(Object.keys((doc?.components as { schemas: object }).schemas)).toContain('io.k8s.api.apps.v1.Deployment');
  });
});

describe('statusError', () => {
  it('maps statuses to codes keeping the message', () => {
    expect(statusError(422, { message: 'Deployment.apps "w" is invalid' }, {}, 'apply', 's').code).toBe('APPLY_FAILED');
    expect(statusError(503, { message: 'down' }, { 'retry-after': '3' }, 'get', 's').details).toMatchObject({ transient: true, retryAfterMs: 3000 });
    expect(statusError(403, { message: 'forbidden' }, {}, 'list', 's').code).toBe('CLUSTER_UNAUTHORIZED');
    expect(statusError(409, { message: 'conflict' }, {}, 'patch', 's').code).toBe('APPLY_FAILED');
  });

  it('an admission refusal is ADMISSION_DENIED naming the policy; an RBAC 403 stays CLUSTER_UNAUTHORIZED', () => {
    const deny = (message: string): DriftlessError => statusError(403, { message, reason: 'Forbidden' }, {}, 'apply', 's');
    const pss = deny('pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged (container "main" must not set securityContext.privileged=true)');
    expect(pss.code).toBe('ADMISSION_DENIED');
    expect(pss.details).toMatchObject({ status: 403, policy: 'PodSecurity "restricted:latest"', transient: false });
    expect(pss.message).toMatch(/change the manifest to satisfy it, or change the namespace's policy\)$/);
    expect(pss.message).not.toContain('grant');
    expect(deny('pods "p" is forbidden: exceeded quota: pods2, requested: pods=1, used: pods=2, limited: pods=2').details.policy).toBe('ResourceQuota "pods2"');
    expect(deny('pods "p" is forbidden: failed quota: compute: must specify limits.cpu for: main').details.policy).toBe('ResourceQuota "compute"');
    expect(deny('pods "p" is forbidden: maximum cpu usage per Container is 2, but limit is 3').details.policy).toBe('LimitRange');
    expect(deny('pods "p" is forbidden: minimum memory usage per Pod is 64Mi, but request is 32Mi').details.policy).toBe('LimitRange');
    const rbac = deny('pods "p" is forbidden: User "system:serviceaccount:d:d" cannot patch resource "pods" in API group "" in the namespace "shop"');
    expect(rbac.code).toBe('CLUSTER_UNAUTHORIZED');
    expect(rbac.message).toContain("grant driftless's identity this permission");
  });

  it('a ValidatingAdmissionPolicy denial (422 by default, or the reason it chose) is ADMISSION_DENIED naming the policy and binding', () => {
    const message = `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'replicas' with binding 'prod' denied request: failed expression: object.spec.replicas <= 5`;
    for (const status of [422, 403]) {
      const err = statusError(status, { message, reason: status === 422 ? 'Invalid' : 'Forbidden' }, {}, 'apply', 's');
      expect(err.code).toBe('ADMISSION_DENIED');
      expect(err.details).toMatchObject({ policy: 'ValidatingAdmissionPolicy "replicas" (binding "prod")', transient: false });
      expect(err.message).toBe(`${message} (refused by the cluster's ValidatingAdmissionPolicy "replicas" (binding "prod"): change the manifest to satisfy it, or ask the policy's owner)`);
    }
    const unbound = statusError(422, { message: `pods "p" is forbidden: ValidatingAdmissionPolicy 'needs-params' denied request: failed to configure policy: failed to find resource referenced by paramKind: 'example.com/v1, Kind=Limits'` }, {}, 'apply', 's');
    expect(unbound.details).toMatchObject({ policy: 'ValidatingAdmissionPolicy "needs-params"' });
    expect(statusError(422, { message: 'Deployment.apps "w" is invalid: spec.replicas: Invalid value: -1' }, {}, 'apply', 's').code).toBe('APPLY_FAILED');
  });

  it('a webhook denial (any 4xx the webhook chose) is ADMISSION_DENIED naming the webhook; a webhook call failure is not', () => {
    const message = 'admission webhook "deny.example.com" denied the request: no latest tags';
    for (const status of [400, 403, 422]) {
      const err = statusError(status, { message }, {}, 'apply', 's');
      expect(err.code).toBe('ADMISSION_DENIED');
      expect(err.details).toMatchObject({ status, policy: 'webhook "deny.example.com"', transient: false });
      expect(err.message).toBe(`${message} (refused by the cluster's admission webhook "deny.example.com": change the manifest to satisfy it, or ask the webhook's owner)`);
    }
    const failed = statusError(500, { message: 'Internal error occurred: failed calling webhook "x": failed to call webhook: Post "https://x.y.svc:443/?timeout=10s": service "x" not found' }, {}, 'apply', 's');
    expect(failed.code).toBe('CLUSTER_UNAVAILABLE');
  });
});

describe('request timeout', () => {
  it('a server that never answers ends in a transient CLUSTER_UNAVAILABLE', async () => {
    const { createServer } = await import('node:http');
    const server = createServer(() => {
      // never answers
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n`;
    try {
      const c = createKubernetesCluster(kubeconfig, { requestTimeoutMs: 100 });
      const err = await c.get({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true }, 'x', 'default').catch((e: unknown) => e);
      expect(isDriftlessError(err, 'CLUSTER_UNAVAILABLE') && err.transient).toBe(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('server-side apply of a body that does not fit the schema', () => {
  const typedPatch = 'failed to create typed patch object (default/w1; example.com/v1, Kind=Widget): .spec.size: expected numeric (int or float), got string';
  async function fakeServer(status: number): Promise<{ kubeconfig: string; seen: string[]; close: () => void }> {
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: typedPatch, code: status }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n`;
    return { kubeconfig, seen, close: () => { server.closeAllConnections(); server.close(); } };
  }
  const widgets = { group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true };
  const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { size: 'big' } };

  it.each([500, 400])('answered %i "failed to create typed patch object" is a permanent APPLY_FAILED, not an outage, and is not retried', async (status) => {
    const fake = await fakeServer(status);
    try {
      const c = retryingCluster(createKubernetesCluster(fake.kubeconfig), { policy: { attempts: 3, baseMs: 1, maxMs: 2 } });
      const err = await c.apply(widgets, widget, { fieldManager: 'driftless', force: true, dryRun: true, fieldValidation: 'Strict' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'APPLY_FAILED' });
      expect((err as DriftlessError).message).toContain(typedPatch);
      expect((err as DriftlessError).details).toMatchObject({ status, transient: false, schemaMismatch: true });
      expect(fake.seen).toHaveLength(1);
      expect(fake.seen[0]).toMatch(/^PATCH \/apis\/example\.com\/v1\/namespaces\/default\/widgets\/w1\?/);
      expect(new URL(fake.seen[0]!.split(' ')[1]!, 'http://x').searchParams.get('fieldValidation')).toBe('Strict');
    } finally {
      fake.close();
    }
  });

  it('another 500 on apply stays a transient CLUSTER_UNAVAILABLE', () => {
    const err = statusError(500, { message: 'etcdserver: request timed out' }, {}, 'apply', 's');
    expect(err.code).toBe('CLUSTER_UNAVAILABLE');
    expect(err.transient).toBe(true);
  });
});

describe('createKubernetesCluster with a malformed kubeconfig', () => {
  it('names the line and the reason but never quotes the kubeconfig (it holds tokens)', () => {
    let caught: unknown;
    try {
      createKubernetesCluster('apiVersion: v1\nusers:\n- name: a\n  user:\n    token: SUPERSECRET: bad\n');
    } catch (err) {
      caught = err;
    }
    expect(isDriftlessError(caught) && caught.code).toBe('CONFIG_INVALID');
    const message = (caught as Error).message;
    expect(message).toMatch(/line 5, column \d+: bad indentation/);
    expect(message).not.toContain('SUPERSECRET');
  });
});
