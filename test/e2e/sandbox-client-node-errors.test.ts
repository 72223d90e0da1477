// @kubernetes/client-node against the sandbox's decoding and validation: status codes and
// messages as the real server sends them, and list items shaped as it shapes them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';

interface Failure { code?: number; status?: { message?: string; reason?: string } }

/** The ApiException's code and its Status body (client-node keeps the body as text). */
async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    const status = typeof e.body === 'string' ? (JSON.parse(e.body) as Failure['status']) : (e.body as Failure['status']);
    return { code: e.code, status };
  }
  return {};
}

const deployment = (name: string, spec: Record<string, unknown> = {}): V1Deployment => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...spec } as V1Deployment['spec'],
});

describe('@kubernetes/client-node sees the real server errors', () => {
  let sb: Sandbox;
  let kc: KubeConfig;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-client-node-errors-'));
    sb = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig'), controllers: false });
    kc = new KubeConfig();
    kc.loadFromFile(join(dir, 'kubeconfig'));
  });
  afterAll(() => sb.stop());

  it('a create whose values do not fit the types is a 400, dry run or not', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    for (const dryRun of [undefined, 'All']) {
      const bad = await failure(apps.createNamespacedDeployment({ namespace: 'default', body: deployment('two', { replicas: 'two' }), dryRun }));
      expect(bad.code).toBe(400);
      expect(bad.status?.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
    }
    const core = kc.makeApiClient(CoreV1Api);
    const secret = await failure(core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's' }, data: { key: 'abc' } } }));
    expect(secret.status?.message).toBe('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0');
  });

  it('dryRun values other than All are a 422 Unsupported value', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const bad = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c' } }, dryRun: 'true' }));
    expect(bad.code).toBe(422);
    expect(bad.status?.message).toBe('CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"true"}: supported values: "All"');
  });

  it('server-side apply of a body that does not fit the schema is a 500 with the typed patch error, dry run or not', async () => {
    // client-node's serializer drops fields its models do not know, so the mistake here is a type.
    const client = KubernetesObjectApi.makeApiClient(kc);
    const body = { ...deployment('ssa', { replicas: 'two' }) } as KubernetesObject;
    for (const dryRun of [undefined, 'All']) {
      const res = await failure(client.patch(body, undefined, dryRun, 'driftless', true, PatchStrategy.ServerSideApply));
      expect(res.code).toBe(500);
      expect(res.status?.message).toBe('failed to create typed patch object (default/ssa; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string');
      expect(res.status?.reason).toBeUndefined();
    }
  });

  it('422s name the field and the rule, and allocation errors come after validation', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const ports = await failure(core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', imagePullPolicy: 'Sometimes', ports: [{ containerPort: 0 }], resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] } } }));
    expect(ports.code).toBe(422);
    expect(ports.status?.message).toBe('Pod "p" is invalid: [spec.containers[0].ports[0].containerPort: Required value, spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never", spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1]');
    const svc = (name: string) => ({ metadata: { name }, spec: { type: 'NodePort', selector: { a: 'b' }, ports: [{ port: 80, nodePort: 32000 }] } });
    await core.createNamespacedService({ namespace: 'default', body: svc('one') });
    const taken = await failure(core.createNamespacedService({ namespace: 'default', body: svc('two'), dryRun: 'All' }));
    expect(taken.status?.message).toBe('Service "two" is invalid: spec.ports[0].nodePort: Invalid value: 32000: provided port is already allocated');
    const annotations = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'big', annotations: { a: 'x'.repeat(300 * 1024) } } } }));
    expect(annotations.status?.message).toBe('ConfigMap "big" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes');
  });

  it('built-in list items carry no TypeMeta, custom resource list items do', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'typed' } } });
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    expect(list.items.find((i) => i.metadata?.name === 'typed')?.kind).toBeUndefined();
    expect((await core.readNamespacedConfigMap({ name: 'typed', namespace: 'default' })).kind).toBe('ConfigMap');

    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({ body: {
      metadata: { name: 'gadgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } } } } }] },
    } });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await custom.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'default', plural: 'gadgets', body: { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' }, spec: { size: 'm' } } });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const gadgets = (await custom.listNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'default', plural: 'gadgets' })) as { items: Array<Record<string, unknown>> };
    expect(gadgets.items[0]).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Gadget' });
    // Custom resources pass client-node's serializer untouched: an undeclared field reaches the server.
    const client = KubernetesObjectApi.makeApiClient(kc);
    const gadget = { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'default' }, spec: { size: 'm', colour: 'red' } } as KubernetesObject;
    const res = await failure(client.patch(gadget, undefined, undefined, 'driftless', true, PatchStrategy.ServerSideApply));
    expect(res.code).toBe(500);
    expect(res.status?.message).toBe('failed to create typed patch object (default/g; example.com/v1, Kind=Gadget): .spec.colour: field not declared in schema');
  });
});
