import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../../sandbox/index.ts';
import { call, type RawResponse } from '../helpers.ts';

const plain = { containers: [{ name: 'app', image: 'nginx' }] };
const restrictedDetail = 'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';
const template = { metadata: { labels: { app: 'web' } }, spec: plain };
const warningsOf = (res: RawResponse): string[] => {
  const h = res.headers.warning;
  // Node joins repeated headers with ", ".
  return h === undefined ? [] : (Array.isArray(h) ? h : [h]).flatMap((v) => v.split(/, (?=299 - )/));
};

async function until<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

describe('PodSecurity warn, controllers and namespace label changes', () => {
  let sb: Sandbox;
  const ns = async (name: string, labels: Record<string, string>): Promise<void> => {
    expect((await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name, labels } } })).status).toBe(201);
  };
  const failedCreate = (namespace: string, kind: string, name: string): Promise<{ message: string; source: unknown }> => until(async () => {
    const items = (await call(sb, 'GET', `/api/v1/namespaces/${namespace}/events`)).json.items as { reason: string; message: string; source: unknown; involvedObject: { kind: string; name: string } }[];
    return items.find((e) => e.reason === 'FailedCreate' && e.involvedObject.kind === kind && e.involvedObject.name === name);
  });
  beforeAll(async () => {
    sb = await startSandbox({});
    await ns('warned', { 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.30' });
    await ns('locked', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  });
  afterAll(() => sb.stop());

  it('warn adds a Warning header on Pods and on every workload template, and admits them', async () => {
    const pod = await call(sb, 'POST', '/api/v1/namespaces/warned/pods', { body: { metadata: { name: 'p' }, spec: plain } });
    expect(pod.status).toBe(201);
    expect(warningsOf(pod)).toEqual([`299 - "would violate PodSecurity \\"restricted:v1.30\\": ${restrictedDetail.replaceAll('"', '\\"')}"`]);
    const writes: [string, object][] = [
      ['/apis/apps/v1/namespaces/warned/deployments', { metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'web' } }, template } }],
      ['/apis/batch/v1/namespaces/warned/cronjobs', { metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { ...plain, restartPolicy: 'Never' } } } } } }],
      ['/api/v1/namespaces/warned/podtemplates', { metadata: { name: 't' }, template }],
    ];
    for (const [path, body] of writes) {
      const res = await call(sb, 'POST', path, { body });
      expect(res.status, path).toBe(201);
      expect(warningsOf(res)[0], path).toMatch(/^299 - "would violate PodSecurity \\"restricted:v1.30\\": allowPrivilegeEscalation != false/);
    }
    // Nothing to warn about: no header, and a namespace without labels never warns.
    const hardened = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'app', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] };
    expect(warningsOf(await call(sb, 'POST', '/api/v1/namespaces/warned/pods', { body: { metadata: { name: 'ok' }, spec: hardened } }))).toEqual([]);
    expect(warningsOf(await call(sb, 'POST', '/api/v1/namespaces/default/pods', { body: { metadata: { name: 'p' }, spec: plain } }))).toEqual([]);
  });

  it('enforce does not refuse a Deployment, but refuses its Pods: FailedCreate event and ReplicaFailure condition', async () => {
    const res = await call(sb, 'POST', '/apis/apps/v1/namespaces/locked/deployments', { body: { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template } } });
    expect(res.status).toBe(201);
    expect(warningsOf(res)).toEqual([]);
    const rs = await until(async () => {
      const items = (await call(sb, 'GET', '/apis/apps/v1/namespaces/locked/replicasets')).json.items as { metadata: { name: string }; status?: { conditions?: { type: string; reason: string; message: string }[] } }[];
      return items.find((r) => r.status?.conditions?.length);
    });
    const event = await failedCreate('locked', 'ReplicaSet', rs.metadata.name);
    expect(event.source).toEqual({ component: 'replicaset-controller' });
    expect(event.message).toMatch(new RegExp(`^Error creating: pods "${rs.metadata.name}-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": `));
    expect(event.message.endsWith(restrictedDetail)).toBe(true);
    expect(rs.status?.conditions).toEqual([expect.objectContaining({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: event.message })]);
    expect((await call(sb, 'GET', '/api/v1/namespaces/locked/pods')).json.items).toEqual([]);
  });

  it('StatefulSet, DaemonSet and Job controllers record FailedCreate with their real messages', async () => {
    await call(sb, 'POST', '/apis/apps/v1/namespaces/locked/statefulsets', { body: { metadata: { name: 'db' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'web' } }, template } } });
    await call(sb, 'POST', '/apis/apps/v1/namespaces/locked/daemonsets', { body: { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'web' } }, template } } });
    await call(sb, 'POST', '/apis/batch/v1/namespaces/locked/jobs', { body: { metadata: { name: 'once' }, spec: { template: { spec: { ...plain, restartPolicy: 'Never' } } } } });
    expect((await failedCreate('locked', 'StatefulSet', 'db')).message).toBe(`create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: violates PodSecurity "restricted:latest": ${restrictedDetail}`);
    expect((await failedCreate('locked', 'DaemonSet', 'agent')).message).toMatch(/^Error creating: pods "agent-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation/);
    expect((await failedCreate('locked', 'Job', 'once')).message).toMatch(/^Error creating: pods "once-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation/);
    expect((await call(sb, 'GET', '/api/v1/namespaces/locked/pods')).json.items).toEqual([]);
  });

  it('raising a namespace enforce level warns about the Pods already there, grouped by reasons', async () => {
    await ns('busy', {});
    for (const name of ['b', 'a', 'c']) await call(sb, 'POST', '/api/v1/namespaces/busy/pods', { body: { metadata: { name }, spec: plain } });
    await call(sb, 'POST', '/api/v1/namespaces/busy/pods', { body: { metadata: { name: 'host' }, spec: { hostNetwork: true, ...plain } } });
    const patch = (labels: Record<string, string>): Promise<RawResponse> => call(sb, 'PATCH', '/api/v1/namespaces/busy', { body: { metadata: { labels } }, contentType: 'application/merge-patch+json' });
    const raised = await patch({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    expect(raised.status).toBe(200);
    expect(warningsOf(raised)).toEqual([
      '299 - "existing pods in namespace \\"busy\\" violate the new PodSecurity enforce level \\"baseline:latest\\""',
      '299 - "host: host namespaces"',
    ]);
    expect(warningsOf(await patch({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.34' }))).toEqual([
      '299 - "existing pods in namespace \\"busy\\" violate the new PodSecurity enforce level \\"restricted:v1.34\\""',
      '299 - "a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"',
      '299 - "host: allowPrivilegeEscalation != false, unrestricted capabilities, host namespaces, runAsNonRoot != true, seccompProfile"',
    ]);
    // Relaxing (same version, lower level) checks nothing.
    expect(warningsOf(await patch({ 'pod-security.kubernetes.io/enforce': 'baseline' }))).toEqual([]);
  });
});
