import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { ServiceAllocator, jobOrphanWarning } from '../../../sandbox/lifecycle/index.ts';
import { call, deployment } from './helpers.ts';

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const deploys = '/apis/apps/v1/namespaces/default/deployments';
const jobs = '/apis/batch/v1/namespaces/default/jobs';
const job = (name: string): Record<string, unknown> => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
});

describe('registry strategies without controllers (status, finalize, delete defaults)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false, http: true });
  });
  afterAll(() => sb.stop());

  it('a Deployment status write keeps annotation changes, resets spec and labels, and leaves generation alone', async () => {
    const created = (await call(sb, 'POST', deploys, { body: deployment('st') })).json;
    const body = structuredClone(created);
    body.metadata.annotations = { 'deployment.kubernetes.io/revision': '1' };
    body.metadata.labels = { app: 'changed' };
    body.spec.replicas = 7;
    body.status = { observedGeneration: 1, replicas: 0 };
    const res = await call(sb, 'PUT', `${deploys}/st/status`, { body });
    expect(res.status).toBe(200);
    expect(res.json.metadata.annotations).toEqual({ 'deployment.kubernetes.io/revision': '1' });
    expect(res.json.metadata.labels).toEqual({ app: 'st' });
    expect(res.json.spec.replicas).toBe(1);
    expect(res.json.status.observedGeneration).toBe(1);
    expect(res.json.metadata.generation).toBe(1);
    const fresh = (await call(sb, 'GET', `${deploys}/st`)).json;
    expect(fresh.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
  });

  it('an annotation change on the main Deployment resource bumps generation (deploymentStrategy.PrepareForUpdate)', async () => {
    await call(sb, 'POST', deploys, { body: deployment('ann') });
    const res = await call(sb, 'PATCH', `${deploys}/ann`, { body: { metadata: { annotations: { team: 'a' } } }, contentType: 'application/merge-patch+json' });
    expect(res.json.metadata.generation).toBe(2);
    const cm = await call(sb, 'PATCH', `${deploys}/ann`, { body: { metadata: { labels: { extra: 'x' } } }, contentType: 'application/merge-patch+json' });
    expect(cm.json.metadata.generation).toBe(2);
  });

  it('a custom resource status write changes nothing but status', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    expect((await call(sb, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd })).status).toBe(201);
    const path = '/apis/example.com/v1/namespaces/default/widgets';
    const created = await until(async () => {
      const r = await call(sb, 'POST', path, { body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } } });
      return r.status === 201 ? r.json : undefined;
    });
    const body = structuredClone(created);
    body.metadata.annotations = { a: 'b' };
    body.status = { ok: true };
    const res = (await call(sb, 'PUT', `${path}/w/status`, { body })).json;
    expect(res.status).toEqual({ ok: true });
    expect(res.metadata.annotations).toBeUndefined();
  });

  it('PUT namespaces/{name}/finalize changes spec.finalizers only', async () => {
    const ns = (await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'fin' } } })).json;
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
    const body = structuredClone(ns);
    body.spec.finalizers = [];
    body.metadata.labels = { ...body.metadata.labels, sneaky: 'yes' };
    body.status = { phase: 'Terminating' };
    const res = await call(sb, 'PUT', '/api/v1/namespaces/fin/finalize', { body });
    expect(res.status).toBe(200);
    expect(res.json.spec.finalizers ?? []).toEqual([]);
    expect(res.json.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'fin' });
    expect(res.json.status).toEqual({ phase: 'Active' });
    // A deleting namespace left without finalizers is gone.
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'fin2' } } });
    const deleting = (await call(sb, 'DELETE', '/api/v1/namespaces/fin2')).json;
    expect(deleting.status.phase).toBe('Terminating');
    deleting.spec.finalizers = [];
    expect((await call(sb, 'PUT', '/api/v1/namespaces/fin2/finalize', { body: deleting })).status).toBe(200);
    expect((await call(sb, 'GET', '/api/v1/namespaces/fin2')).status).toBe(404);
  });

  it('DELETE of a Job without propagationPolicy orphans (finalizer orphan) and warns as the real server does', async () => {
    await call(sb, 'POST', jobs, { body: job('j1') });
    const res = await call(sb, 'DELETE', `${jobs}/j1`);
    expect(res.status).toBe(200);
    expect(res.headers.warning).toBe(`299 - ${JSON.stringify(jobOrphanWarning)}`);
    expect(res.json.metadata.finalizers).toEqual(['orphan']);
    expect(res.json.metadata.deletionTimestamp).toBeTruthy();

    await call(sb, 'POST', jobs, { body: job('j2') });
    const background = await call(sb, 'DELETE', `${jobs}/j2?propagationPolicy=Background`);
    expect(background.headers.warning).toBeUndefined();
    expect((await call(sb, 'GET', `${jobs}/j2`)).status).toBe(404);
  });

  it('DELETE of a Deployment without propagationPolicy deletes in the background, with no warning', async () => {
    await call(sb, 'POST', deploys, { body: deployment('gone') });
    const res = await call(sb, 'DELETE', `${deploys}/gone`);
    expect(res.status).toBe(200);
    expect(res.headers.warning).toBeUndefined();
    expect((await call(sb, 'GET', `${deploys}/gone`)).status).toBe(404);
  });
});

describe('sandbox wiring of the lifecycle part', () => {
  it('publishes the sandbox CA as kube-root-ca.crt, and the Deployment controller sets the revision through /status', async () => {
    const sb = await startSandbox({});
    try {
      const cm = await until(async () => {
        const r = await call(sb, 'GET', '/api/v1/namespaces/default/configmaps/kube-root-ca.crt');
        return r.status === 200 ? r.json : undefined;
      });
      expect(sb.caPem).toContain('BEGIN CERTIFICATE');
      expect(cm.data['ca.crt']).toBe(sb.caPem);

      await call(sb, 'POST', deploys, { body: deployment('rev') });
      const d = await until(async () => {
        const r = (await call(sb, 'GET', `${deploys}/rev`)).json;
        return r.metadata.annotations?.['deployment.kubernetes.io/revision'] ? r : undefined;
      });
      expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
      expect(d.metadata.generation).toBe(1);
      const managers = (d.metadata.managedFields as Array<{ manager: string; subresource?: string }>).filter((m) => m.manager === 'kube-controller-manager');
      expect(managers).toHaveLength(1);
      expect(managers[0]!.subresource).toBe('status');
    } finally {
      await sb.stop();
    }
  });

  it('a Job deleted without propagationPolicy goes, and its dependents stay behind without owner references', async () => {
    const sb = await startSandbox({ http: true });
    try {
      const created = (await call(sb, 'POST', jobs, { body: job('orphaning') })).json;
      // The Job controller's pods are pretend; a dependent made by hand shows what the garbage collector does.
      const ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: 'orphaning', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }];
      const pod = { metadata: { name: 'orphaning-pod', ownerReferences }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
      expect((await call(sb, 'POST', '/api/v1/namespaces/default/pods', { body: pod })).status).toBe(201);
      const res = await call(sb, 'DELETE', `${jobs}/orphaning`);
      expect(res.headers.warning).toContain('child pods are preserved by default');
      await until(async () => (await call(sb, 'GET', `${jobs}/orphaning`)).status === 404);
      const kept = (await call(sb, 'GET', '/api/v1/namespaces/default/pods/orphaning-pod')).json;
      expect(kept.metadata.ownerReferences).toBeUndefined();
      expect(kept.metadata.deletionTimestamp).toBeUndefined();
    } finally {
      await sb.stop();
    }
  });

  it('reserves the addresses of restored Services, so new Services get other cluster IPs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-restore-'));
    const statePath = join(dir, 'state.json');
    // The address a fresh allocator would hand to default/fresh, already taken by a restored Service.
    const taken = new ServiceAllocator().ip('default/fresh');
    const squatter = {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'squatter', namespace: 'default', uid: 'u-1', resourceVersion: '5', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { type: 'ClusterIP', clusterIP: taken, clusterIPs: [taken], ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
    };
    writeFileSync(statePath, JSON.stringify({ version: 1, resourceVersion: 5, objects: [{ bucket: '/services', object: squatter }] }));
    const sb = await startSandbox({ controllers: false, http: true, statePath });
    try {
      expect((await call(sb, 'GET', '/api/v1/namespaces/default/services/squatter')).json.spec.clusterIP).toBe(taken);
      const created = await call(sb, 'POST', '/api/v1/namespaces/default/services', { body: { metadata: { name: 'fresh' }, spec: { ports: [{ port: 80 }] } } });
      expect(created.status).toBe(201);
      expect(created.json.spec.clusterIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
      expect(created.json.spec.clusterIP).not.toBe(taken);
    } finally {
      await sb.stop();
    }
  });
});
