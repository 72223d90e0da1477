import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../../sandbox/index.ts';
import { formatQuantity, parseQuantity } from '../../../../sandbox/schema/quantity.ts';
import { call } from '../helpers.ts';

const pod = (name: string, resources?: object, extra: object = {}): object => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { containers: [{ name: 'app', image: 'nginx', ...(resources ? { resources } : {}) }], ...extra },
});

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await read();
  for (let i = 0; i < 250 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 20));
    v = await read();
  }
  return v;
}

describe('quantities print canonically', () => {
  it('as Quantity.String() does', () => {
    const f = (s: string): string => formatQuantity(parseQuantity(s)!);
    expect([f('1000m'), f('500m'), f('0.5'), f('2000'), f('1024Mi'), f('1536Mi'), f('1Gi'), f('100M'), f('0')]).toEqual(['1', '500m', '500m', '2k', '1Gi', '1536Mi', '1Gi', '100M', '0']);
  });
});

describe('ResourceQuota and LimitRange admission', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({});
    for (const name of ['q', 'lr', 'free']) await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name } } });
  });
  afterAll(() => sb.stop());

  it('refuses the create past a pods quota with the real message; a dry run is checked but not charged', async () => {
    expect((await call(sb, 'POST', '/api/v1/namespaces/q/resourcequotas', { body: { metadata: { name: 'pods2' }, spec: { hard: { pods: '2', 'count/configmaps': '1' } } } })).status).toBe(201);
    expect((await call(sb, 'POST', '/api/v1/namespaces/q/pods?dryRun=All', { body: pod('dry') })).status).toBe(201);
    expect((await call(sb, 'POST', '/api/v1/namespaces/q/pods', { body: pod('a') })).status).toBe(201);
    expect((await call(sb, 'POST', '/api/v1/namespaces/q/pods', { body: pod('b') })).status).toBe(201);
    const refused = await call(sb, 'POST', '/api/v1/namespaces/q/pods', { body: pod('c') });
    expect(refused.status).toBe(403);
    expect(refused.json.message).toBe('pods "c" is forbidden: exceeded quota: pods2, requested: pods=1, used: pods=2, limited: pods=2');
    const dry = await call(sb, 'POST', '/api/v1/namespaces/q/pods?dryRun=All', { body: pod('c') });
    expect(dry.status).toBe(403);
    // count/configmaps: kube-root-ca.crt (created by the controllers) already holds the one allowed.
    const cm = await waitFor(() => call(sb, 'GET', '/api/v1/namespaces/q/configmaps/kube-root-ca.crt'), (r) => r.status === 200);
    expect(cm.status).toBe(200);
    const cmRefused = await call(sb, 'POST', '/api/v1/namespaces/q/configmaps', { body: { metadata: { name: 'x' } } });
    expect(cmRefused.json.message).toBe('configmaps "x" is forbidden: exceeded quota: pods2, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1');
    const status = await waitFor(() => call(sb, 'GET', '/api/v1/namespaces/q/resourcequotas/pods2'), (r) => (r.json.status as { used?: { pods?: string } } | undefined)?.used?.pods === '2');
    expect(status.json.status).toEqual({ hard: { pods: '2', 'count/configmaps': '1' }, used: { 'count/configmaps': '1', pods: '2' } });
    expect((await call(sb, 'DELETE', '/api/v1/namespaces/q/pods/a')).status).toBe(200);
    expect((await call(sb, 'POST', '/api/v1/namespaces/q/pods', { body: pod('c') })).status).toBe(201);
  });

  it('requires compute requests and limits a quota constrains, and sums them canonically', async () => {
    expect((await call(sb, 'POST', '/api/v1/namespaces/free/resourcequotas', { body: { metadata: { name: 'compute' }, spec: { hard: { 'limits.cpu': '1', 'requests.memory': '1Gi' } } } })).status).toBe(201);
    const missing = await call(sb, 'POST', '/api/v1/namespaces/free/pods', { body: pod('bare') });
    expect(missing.status).toBe(403);
    expect(missing.json.message).toBe('pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: app; requests.memory for: app');
    const res = { requests: { memory: '512Mi', cpu: '100m' }, limits: { cpu: '600m', memory: '512Mi' } };
    expect((await call(sb, 'POST', '/api/v1/namespaces/free/pods', { body: pod('one', res) })).status).toBe(201);
    const over = await call(sb, 'POST', '/api/v1/namespaces/free/pods', { body: pod('two', res) });
    expect(over.json.message).toBe('pods "two" is forbidden: exceeded quota: compute, requested: limits.cpu=600m, used: limits.cpu=600m, limited: limits.cpu=1');
    const status = await waitFor(() => call(sb, 'GET', '/api/v1/namespaces/free/resourcequotas/compute'), (r) => (r.json.status as { used?: object } | undefined)?.used !== undefined);
    expect(status.json.status).toEqual({ hard: { 'limits.cpu': '1', 'requests.memory': '1Gi' }, used: { 'limits.cpu': '600m', 'requests.memory': '512Mi' } });
    expect((await call(sb, 'POST', '/api/v1/namespaces/free/resourcequotas', { body: { metadata: { name: 'storage' }, spec: { hard: { 'requests.storage': '1Gi', 'services.nodeports': '1' } } } })).status).toBe(201);
    const claim = await call(sb, 'POST', '/api/v1/namespaces/free/persistentvolumeclaims', { body: { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } } });
    expect(claim.json.message).toBe('persistentvolumeclaims "data" is forbidden: exceeded quota: storage, requested: requests.storage=2Gi, used: requests.storage=0, limited: requests.storage=1Gi');
    const svc = await call(sb, 'POST', '/api/v1/namespaces/free/services', { body: { metadata: { name: 'np' }, spec: { type: 'NodePort', selector: { a: 'b' }, ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } } });
    expect(svc.json.message).toBe('services "np" is forbidden: exceeded quota: storage, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
  });

  it('LimitRange fills in defaults with the limit-ranger annotation and enforces max, min and ratio', async () => {
    const limits = [
      { type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' }, min: { memory: '64Mi' } },
      { type: 'Pod', maxLimitRequestRatio: { cpu: '10' } },
    ];
    expect((await call(sb, 'POST', '/api/v1/namespaces/lr/limitranges', { body: { metadata: { name: 'limits' }, spec: { limits } } })).status).toBe(201);
    const created = await call(sb, 'POST', '/api/v1/namespaces/lr/pods', { body: pod('defaulted') });
    expect(created.status).toBe(201);
    const spec = created.json.spec as { containers: Array<{ resources: object }> };
    expect(spec.containers[0]!.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect((created.json.metadata as { annotations: Record<string, string> }).annotations['kubernetes.io/limit-ranger'])
      .toBe('LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app');
    const big = await call(sb, 'POST', '/api/v1/namespaces/lr/pods', { body: pod('x', { limits: { cpu: '2' } }) });
    expect(big.status).toBe(403);
    expect(big.json.message).toBe('pods "x" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    const small = await call(sb, 'POST', '/api/v1/namespaces/lr/pods', { body: pod('y', { requests: { memory: '32Mi', cpu: '50m' }, limits: { cpu: '1' } }) });
    expect(small.json.message).toBe('pods "y" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, cpu max limit to request ratio per Pod is 10, but provided ratio is 20.000000]');
    expect((await call(sb, 'POST', '/api/v1/namespaces/lr/limitranges', { body: { metadata: { name: 'claims' }, spec: { limits: [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } }] } } })).status).toBe(201);
    const claim = (name: string, storage: string): object => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
    const huge = await call(sb, 'POST', '/api/v1/namespaces/lr/persistentvolumeclaims', { body: claim('huge', '5Gi') });
    expect(huge.status).toBe(403);
    expect(huge.json.message).toBe('persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi');
    expect((await call(sb, 'POST', '/api/v1/namespaces/lr/persistentvolumeclaims', { body: claim('tiny', '512Mi') })).json.message)
      .toBe('persistentvolumeclaims "tiny" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 512Mi');
    expect((await call(sb, 'POST', '/api/v1/namespaces/lr/persistentvolumeclaims', { body: claim('fits', '1536Mi') })).status).toBe(201);
  });

  it('a Job and a StatefulSet refused by a pods quota record FailedCreate with the controllers\' messages', async () => {
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'none' } } });
    expect((await call(sb, 'POST', '/api/v1/namespaces/none/resourcequotas', { body: { metadata: { name: 'zero' }, spec: { hard: { pods: '0' } } } })).status).toBe(201);
    const template = { metadata: { labels: { app: 'x' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox' }] } };
    expect((await call(sb, 'POST', '/apis/batch/v1/namespaces/none/jobs', { body: { metadata: { name: 'job' }, spec: { template } } })).status).toBe(201);
    const sts = { metadata: { name: 'db' }, spec: { serviceName: 'db', replicas: 1, selector: { matchLabels: { app: 'x' } }, template: { ...template, spec: { ...template.spec, restartPolicy: 'Always' } } } };
    expect((await call(sb, 'POST', '/apis/apps/v1/namespaces/none/statefulsets', { body: sts })).status).toBe(201);
    const messages = async (): Promise<string[]> => ((await call(sb, 'GET', '/api/v1/namespaces/none/events?fieldSelector=reason%3DFailedCreate')).json.items as Array<{ message: string }>).map((e) => e.message);
    // Wait for both controllers: the Job controller may record its refusal more than once first.
    const found = await waitFor(messages, (m) => m.some((x) => x.startsWith('Error creating')) && m.some((x) => x.startsWith('create Pod db-0')));
    expect(found).toContainEqual(expect.stringMatching(/^Error creating: pods "job-[a-z0-9]{5}" is forbidden: exceeded quota: zero, requested: pods=1, used: pods=0, limited: pods=0$/));
    expect(found).toContain('create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: exceeded quota: zero, requested: pods=1, used: pods=0, limited: pods=0');
  });
});
