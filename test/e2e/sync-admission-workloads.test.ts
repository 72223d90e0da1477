import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import { appConfig } from '../sync/fixtures.ts';
import { GitRepo, postJson, sandboxDeps } from './sync-support.ts';

// StatefulSets, DaemonSets and Jobs whose Pods admission refuses: their controllers record only a
// FailedCreate event on the workload (no condition), and the health wait reports its message.

let sb: Sandbox;
let repo: GitRepo;

beforeAll(async () => {
  sb = await startSandbox({});
  repo = new GitRepo();
  await postJson(sb, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
});

const template = (name: string, restartPolicy?: string): Record<string, unknown> => ({
  metadata: { labels: { app: name } },
  spec: { containers: [{ name: 'main', image: 'nginx:1.27' }], ...(restartPolicy ? { restartPolicy } : {}) },
});
const workloads: KubeObject[] = [
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', replicas: 1, selector: { matchLabels: { app: 'db' } }, template: template('db') } },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: { template: template('migrate', 'Never') } },
];

function deps(): SyncDeps {
  return sandboxDeps(sb, repo, { pollMs: 100 });
}

describe('workloads whose Pods are refused', () => {
  it('StatefulSet, DaemonSet and Job report their controller FailedCreate message in health', async () => {
    repo.commit({ 'app/workloads.yaml': workloads });
    const app = appConfig({ name: 'locked', namespace: 'locked', createNamespace: false, healthTimeoutSeconds: 2, allow: { namespaces: ['locked'], kinds: ['*'], clusterScoped: false } });
    const result = await syncApp(deps(), app);
    expect(result.status).toBe('Degraded');
    const message = (name: string): string => result.errors.find((e) => e.object?.includes(name))?.message ?? '';
    expect(message('db')).toMatch(/FailedCreate: create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
    expect(message('agent')).toMatch(/FailedCreate: Error creating: pods "agent-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest"/);
    expect(message('migrate')).toMatch(/FailedCreate: Error creating: pods "migrate-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest"/);
  }, 30_000);
});
