import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import { appConfig, deployment } from '../sync/fixtures.ts';
import { getJson, GitRepo, sandboxDeps } from './sync-support.ts';

let sb: Sandbox;
let repo: GitRepo;

beforeAll(async () => {
  sb = await startSandbox({});
  repo = new GitRepo();
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
});

function deps(): SyncDeps {
  return sandboxDeps(sb, repo, { pollMs: 100 });
}

/** Writes an object's status as its controller would (PUT …/status). */
function putStatus(apiPath: string, object: KubeObject): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(`${apiPath}/status`, sb.url), { method: 'PUT', ca: sb.caPem, headers: { authorization: `Bearer ${sb.adminToken}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(object));
  });
}

const withContainer = (d: KubeObject, container: Record<string, unknown>): KubeObject => {
  const spec = ((d.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec);
  spec.containers = [{ ...spec.containers[0], ...container }];
  return d;
};

describe('a stuck rollout says why', () => {
  const app = appConfig({ name: 'stuck', namespace: 'stuck', healthTimeoutSeconds: 3, allow: { namespaces: ['stuck'], kinds: ['*'], clusterScoped: false } });

  it('a crashing image and a missing ConfigMap: the sync result names the pod reason and message', async () => {
    repo.commit({
      'app/crash.yaml': [withContainer(deployment('crash'), { image: 'nginx:1.27-crash' })],
      'app/config.yaml': [withContainer(deployment('config'), { env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } }] })],
    });
    const result = await syncApp(deps(), app);
    expect(result.status).toBe('Degraded');
    const byObject = new Map(result.errors.map((e) => [e.object, e]));
    const crash = [...byObject.values()].find((e) => e.object?.includes('crash'))!;
    expect(crash.code).toBe('HEALTH_TIMEOUT');
    expect(crash.message).toMatch(/crash-[a-z0-9]+-[a-z0-9]{5} CrashLoopBackOff: back-off 10s restarting failed container web/);
    const config = [...byObject.values()].find((e) => e.object?.includes('config'))!;
    expect(config.message).toMatch(/config-[a-z0-9]+-[a-z0-9]{5} CreateContainerConfigError: configmap "settings" not found/);
    const objectMessage = result.objects.find((o) => o.ref.name === 'config')?.message ?? '';
    expect(objectMessage).toContain('CreateContainerConfigError');
  }, 20_000);
});

describe('custom resources: health read from their status, as kstatus does', () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gizmos.example.com' },
    spec: {
      group: 'example.com', scope: 'Namespaced',
      names: { kind: 'Gizmo', plural: 'gizmos', singular: 'gizmo', listKind: 'GizmoList' },
      versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } }, status: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } } } }],
    },
  };
  const crdYaml = JSON.parse(JSON.stringify(crd).replace('x_kubernetes_preserve_unknown_fields', 'x-kubernetes-preserve-unknown-fields')) as KubeObject;
  const gizmo = (size: number): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Gizmo', metadata: { name: 'g' }, spec: { size } });
  const path = '/apis/example.com/v1/namespaces/gizmos/gizmos/g';
  const allow = { namespaces: ['gizmos'], kinds: ['*'], clusterScoped: true };

  it('no status: Healthy; a new generation its controller reports Stalled: Degraded with the reason; ignored: Synced', async () => {
    const app = appConfig({ name: 'gizmos', namespace: 'gizmos', healthTimeoutSeconds: 5, allow });
    repo.commit({ 'app/crd.yaml': [crdYaml], 'app/g.yaml': [gizmo(1)] });
    expect((await syncApp(deps(), app)).status).toBe('Synced');
    const live = (await getJson(sb, path))!;
    await putStatus(path, { ...live, status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Ok', message: '' }] } });

    repo.commit({ 'app/crd.yaml': [crdYaml], 'app/g.yaml': [gizmo(2)] });
    const syncing = syncApp(deps(), app);
    // The gizmo controller (this test) sees generation 2 and gives up on it.
    let now = (await getJson(sb, path))!;
    for (let i = 0; i < 100 && now.metadata.generation !== 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      now = (await getJson(sb, path))!;
    }
    expect(now.metadata.generation).toBe(2);
    await putStatus(path, { ...now, status: { observedGeneration: 2, conditions: [{ type: 'Stalled', status: 'True', reason: 'SizeTooLarge', message: 'size 2 exceeds the quota' }] } });
    const result = await syncing;
    expect(result.status).toBe('Degraded');
    expect(result.errors).toEqual([expect.objectContaining({ code: 'HEALTH_FAILED', message: expect.stringContaining('stalled: SizeTooLarge: size 2 exceeds the quota') })]);

    const ignoring = await syncApp(deps(), { ...app, health: [{ group: 'example.com', kind: 'Gizmo', ignore: true }] });
    expect(ignoring.status).toBe('Synced');
  }, 20_000);
});
