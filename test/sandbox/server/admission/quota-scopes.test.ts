import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../../sandbox/index.ts';
import { findTool } from '../../../../src/tools/binaries.ts';
import { call } from '../helpers.ts';

// ResourceQuota scopes (pkg/quota/v1/evaluator/core/pods.go podMatchesScopeFunc): a scoped quota
// counts and limits only the Pods in all of its scopes; other kinds are never in a scope.

const pod = (name: string, spec: Record<string, unknown> = {}, resources?: object): object => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { containers: [{ name: 'app', image: 'nginx', ...(resources ? { resources } : {}) }], ...spec },
});

describe('ResourceQuota scopes', () => {
  let sb: Sandbox;
  let dir = '';
  let core: CoreV1Api;
  const kubectl = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => new Promise((resolve) => {
    execFile(findTool('kubectl').path, ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
  const quota = async (ns: string, name: string, spec: object): Promise<void> => {
    const res = await call(sb, 'POST', `/api/v1/namespaces/${ns}/resourcequotas`, { body: { metadata: { name }, spec } });
    expect(res.status, res.text).toBe(201);
  };
  const create = (ns: string, body: object): Promise<{ status: number; json: { message?: string } }> => call(sb, 'POST', `/api/v1/namespaces/${ns}/pods`, { body });
  const used = async (ns: string, name: string, want: Record<string, string>): Promise<Record<string, string>> => {
    let last: Record<string, string> = {};
    for (let i = 0; i < 100; i++) {
      last = (await call(sb, 'GET', `/api/v1/namespaces/${ns}/resourcequotas/${name}`)).json.status?.used ?? {};
      if (JSON.stringify(last) === JSON.stringify(want)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return last;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-quota-scopes-'));
    sb = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig'), controllers: true });
    const kc = new KubeConfig();
    kc.loadFromString(sb.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    for (const name of ['terminating', 'effort', 'priority', 'affinity']) await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name } } });
  });
  afterAll(() => sb.stop());

  it('Terminating and NotTerminating split Pods by activeDeadlineSeconds; kubectl describe quota shows the usage of each', async () => {
    await quota('terminating', 'batch', { hard: { pods: '1' }, scopes: ['Terminating'] });
    await quota('terminating', 'long', { hard: { pods: '2', 'count/configmaps': '5' }, scopes: ['NotTerminating'] });
    expect((await create('terminating', pod('job-1', { activeDeadlineSeconds: 60 }))).status).toBe(201);
    const refused = await create('terminating', pod('job-2', { activeDeadlineSeconds: 60 }));
    expect(refused.status).toBe(403);
    expect(refused.json.message).toBe('pods "job-2" is forbidden: exceeded quota: batch, requested: pods=1, used: pods=1, limited: pods=1');
    expect((await create('terminating', pod('web-1'))).status).toBe(201);
    // A ConfigMap is in no scope: the scoped quota neither counts nor limits it.
    expect((await call(sb, 'POST', '/api/v1/namespaces/terminating/configmaps', { body: { metadata: { name: 'c' } } })).status).toBe(201);
    expect(await used('terminating', 'batch', { pods: '1' })).toEqual({ pods: '1' });
    expect(await used('terminating', 'long', { 'count/configmaps': '0', pods: '1' })).toEqual({ 'count/configmaps': '0', pods: '1' });
    const described = await kubectl(['describe', 'quota', 'long', '-n', 'terminating']);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/Scopes:\s+NotTerminating/);
    expect(described.stdout).toMatch(/pods\s+1\s+2/);
  });

  it('BestEffort and NotBestEffort follow the QoS class (client-node)', async () => {
    await quota('effort', 'free', { hard: { pods: '1' }, scopes: ['BestEffort'] });
    await quota('effort', 'paid', { hard: { pods: '5', 'requests.cpu': '1' }, scopes: ['NotBestEffort'] });
    await core.createNamespacedPod({ namespace: 'effort', body: pod('b1') as never });
    const err = await core.createNamespacedPod({ namespace: 'effort', body: pod('b2') as never }).then(() => undefined, (e: unknown) => e as { code: number; body: string });
    expect(err?.code).toBe(403);
    expect(JSON.parse(err!.body).message).toBe('pods "b2" is forbidden: exceeded quota: free, requested: pods=1, used: pods=1, limited: pods=1');
    await core.createNamespacedPod({ namespace: 'effort', body: pod('p1', {}, { requests: { cpu: '600m' }, limits: { cpu: '600m' } }) as never });
    const over = await core.createNamespacedPod({ namespace: 'effort', body: pod('p2', {}, { requests: { cpu: '600m' } }) as never }).then(() => undefined, (e: unknown) => e as { code: number; body: string });
    expect(JSON.parse(over!.body).message).toBe('pods "p2" is forbidden: exceeded quota: paid, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1');
    expect(await used('effort', 'paid', { pods: '1', 'requests.cpu': '600m' })).toEqual({ pods: '1', 'requests.cpu': '600m' });
  });

  it('PriorityClass scope selectors: In, NotIn, Exists, DoesNotExist', async () => {
    const selector = (operator: string, values?: string[]): object => ({ scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator, ...(values ? { values } : {}) }] } });
    await quota('priority', 'high', { hard: { pods: '1' }, ...selector('In', ['high']) });
    await quota('priority', 'not-high', { hard: { pods: '10' }, ...selector('NotIn', ['high']) });
    await quota('priority', 'any-class', { hard: { pods: '10' }, ...selector('Exists') });
    await quota('priority', 'no-class', { hard: { pods: '10' }, ...selector('DoesNotExist') });
    expect((await create('priority', pod('h1', { priorityClassName: 'high' }))).status).toBe(201);
    const refused = await create('priority', pod('h2', { priorityClassName: 'high' }));
    expect(refused.json.message).toBe('pods "h2" is forbidden: exceeded quota: high, requested: pods=1, used: pods=1, limited: pods=1');
    expect((await create('priority', pod('l1', { priorityClassName: 'low' }))).status).toBe(201);
    expect((await create('priority', pod('n1'))).status).toBe(201);
    expect(await used('priority', 'high', { pods: '1' })).toEqual({ pods: '1' });
    expect(await used('priority', 'not-high', { pods: '2' })).toEqual({ pods: '2' });
    expect(await used('priority', 'any-class', { pods: '2' })).toEqual({ pods: '2' });
    expect(await used('priority', 'no-class', { pods: '1' })).toEqual({ pods: '1' });
  });

  it('CrossNamespacePodAffinity counts Pods whose affinity terms name namespaces or a namespaceSelector', async () => {
    await quota('affinity', 'cross', { hard: { pods: '0' }, scopes: ['CrossNamespacePodAffinity'] });
    const term = (extra: object): Record<string, unknown> => ({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } }, ...extra }] } } });
    expect((await create('affinity', pod('local', term({})))).status).toBe(201);
    const refused = await create('affinity', pod('cross', term({ namespaces: ['other'] })));
    expect(refused.json.message).toBe('pods "cross" is forbidden: exceeded quota: cross, requested: pods=1, used: pods=0, limited: pods=0');
    expect((await create('affinity', pod('cross2', term({ namespaceSelector: {} })))).status).toBe(403);
  });
});
