import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import { appConfig, configMap, deployment } from '../sync/fixtures.ts';
import { getJson, GitRepo, postJson, requests, resetRequests, sandboxDeps } from './sync-support.ts';

let sb: Sandbox;
let repo: GitRepo;

const vap = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec });
const vapBinding = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec });

beforeAll(async () => {
  sb = await startSandbox({});
  repo = new GitRepo();
  // What a cluster admin sets up: at most 3 replicas in namespace "capped"; Widgets whose size is positive.
  await postJson(sb, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capped', labels: { tier: 'capped' } } });
  await postJson(sb, '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', vap('max-replicas', {
    matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] },
    validations: [{ expression: 'object.spec.replicas <= 3', messageExpression: '"replicas must be at most 3, not " + string(object.spec.replicas)' }],
  }));
  await postJson(sb, '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', vapBinding('max-replicas-capped', { policyName: 'max-replicas', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { tier: 'capped' } } } }));
  await postJson(sb, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.size > 0', message: 'size must be positive' }], properties: { size: { type: 'integer' } } } } } } }],
    },
  });
  for (let i = 0; i < 50 && !(await getJson(sb, '/apis/example.com/v1/namespaces/capped/widgets')); i++) await new Promise((r) => setTimeout(r, 20));
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
});

function deps(): SyncDeps {
  return sandboxDeps(sb, repo, { pollMs: 100 });
}

const app = appConfig({ name: 'capped', namespace: 'capped', createNamespace: false, healthTimeoutSeconds: 2, allow: { namespaces: ['capped'], kinds: ['*'], clusterScoped: false } });

describe('policy refusals at preflight', () => {
  it('a Deployment a ValidatingAdmissionPolicy denies fails the sync naming the file, the policy and the binding; nothing written', async () => {
    repo.commit({ 'app/config.yaml': [configMap('settings')], 'app/web.yaml': [deployment('web', { replicas: 5 })] });
    await resetRequests(sb);
    const result = await syncApp(deps(), app);
    expect(result.status).toBe('Failed');
    const error = result.errors[0]!;
    expect(error.code).toBe('ADMISSION_DENIED');
    expect(error.file).toBe('app/web.yaml');
    expect(error.message).toMatch(/^app\/web\.yaml(:\d+)?: deployments\.apps "web" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-capped' denied request: replicas must be at most 3, not 5 /);
    expect(error.message).toContain(`refused by the cluster's ValidatingAdmissionPolicy "max-replicas" (binding "max-replicas-capped"): change the manifest to satisfy it`);
    expect((await requests(sb)).writes).toBe(0);
    expect(await getJson(sb, '/api/v1/namespaces/capped/configmaps/settings')).toBeUndefined();
  }, 20_000);

  it('a custom resource breaking its CRD\'s x-kubernetes-validations rule fails at preflight naming the file and the rule\'s message', async () => {
    const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 0 } };
    repo.commit({ 'app/config.yaml': [configMap('settings')], 'app/widget.yaml': [widget] });
    await resetRequests(sb);
    const result = await syncApp(deps(), app);
    expect(result.status).toBe('Failed');
    const error = result.errors[0]!;
    expect(error.file).toBe('app/widget.yaml');
    expect(error.message).toMatch(/^app\/widget\.yaml(:\d+)?: Widget\.example\.com "w" is invalid: spec: Invalid value: "object": size must be positive/);
    expect((await requests(sb)).writes).toBe(0);
  }, 20_000);

  it('the same manifests within the policy sync', async () => {
    repo.commit({ 'app/config.yaml': [configMap('settings')], 'app/web.yaml': [deployment('web', { replicas: 2 })], 'app/widget.yaml': [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2 } }] });
    const result = await syncApp(deps(), app);
    expect(result.status).not.toBe('Failed');
    expect(result.errors.map((e) => e.code)).not.toContain('ADMISSION_DENIED');
    expect(await getJson(sb, '/apis/apps/v1/namespaces/capped/deployments/web')).toMatchObject({ spec: { replicas: 2 } });
    expect(await getJson(sb, '/apis/example.com/v1/namespaces/capped/widgets/w')).toMatchObject({ spec: { size: 2 } });
  }, 20_000);
});
