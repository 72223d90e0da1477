import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import { appConfig, configMap, deployment } from '../sync/fixtures.ts';
import { getJson, GitRepo, postJson, requests, resetRequests, sandboxDeps } from './sync-support.ts';

let sb: Sandbox;
let repo: GitRepo;

beforeAll(async () => {
  sb = await startSandbox({});
  repo = new GitRepo();
  // What a cluster admin sets up: the namespace enforces the restricted Pod Security Standard.
  await postJson(sb, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
});

function deps(): SyncDeps {
  return sandboxDeps(sb, repo, { pollMs: 100 });
}

const app = appConfig({ name: 'locked', namespace: 'locked', createNamespace: false, healthTimeoutSeconds: 2, allow: { namespaces: ['locked'], kinds: ['*'], clusterScoped: false } });

const privilegedPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'bad', namespace: 'locked' },
  spec: { containers: [{ name: 'main', image: 'nginx:1.27', securityContext: { privileged: true } }] },
};

describe('admission refusals', () => {
  it('a Pod PodSecurity refuses fails the sync at preflight naming the file and the policy; nothing written', async () => {
    repo.commit({ 'app/config.yaml': [configMap('settings')], 'app/pod.yaml': [privilegedPod] });
    await resetRequests(sb);
    const result = await syncApp(deps(), app);
    expect(result.status).toBe('Failed');
    const error = result.errors[0]!;
    expect(error.code).toBe('ADMISSION_DENIED');
    expect(error.file).toBe('app/pod.yaml');
    expect(error.message).toMatch(/^app\/pod\.yaml(:\d+)?: pods "bad" is forbidden: violates PodSecurity "restricted:latest": /);
    expect(error.message).toContain('privileged (container "main" must not set securityContext.privileged=true)');
    expect(error.message).toContain(`refused by the namespace's PodSecurity "restricted:latest" admission policy: change the manifest`);
    expect(error.message).not.toContain('grant');
    expect((await requests(sb)).writes).toBe(0);
    expect(await getJson(sb, '/api/v1/namespaces/locked/configmaps/settings')).toBeUndefined();
  }, 20_000);

  it('a Deployment whose pods PodSecurity refuses applies, and the health wait names the ReplicaSet failure', async () => {
    repo.commit({ 'app/web.yaml': [deployment('web')] });
    const result = await syncApp(deps(), app);
    expect(result.status).toBe('Degraded');
    const error = result.errors.find((e) => e.object?.includes('web'))!;
    expect(error.code).toBe('HEALTH_TIMEOUT');
    expect(error.message).toMatch(/ReplicaSet web-[a-z0-9]+ FailedCreate: Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest"/);
  }, 20_000);

  it('a Pod a ResourceQuota refuses fails at preflight naming the quota; nothing written', async () => {
    await postJson(sb, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'counted' } });
    await postJson(sb, '/api/v1/namespaces/counted/resourcequotas', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods0', namespace: 'counted' }, spec: { hard: { pods: '0' } } });
    repo.commit({ 'app/pod.yaml': [{ ...privilegedPod, metadata: { name: 'one', namespace: 'counted' } }] });
    await resetRequests(sb);
    const result = await syncApp(deps(), { ...app, name: 'counted', namespace: 'counted', allow: { namespaces: ['counted'], kinds: ['*'], clusterScoped: false } });
    expect(result.status).toBe('Failed');
    expect(result.errors[0]!.code).toBe('ADMISSION_DENIED');
    expect(result.errors[0]!.message).toMatch(/^app\/pod\.yaml(:\d+)?: pods "one" is forbidden: exceeded quota: pods0, .*refused by the namespace's ResourceQuota "pods0" admission policy/);
    expect((await requests(sb)).writes).toBe(0);
  }, 20_000);
});
