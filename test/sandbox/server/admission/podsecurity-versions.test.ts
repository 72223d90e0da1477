import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../../sandbox/index.ts';
import { evaluatePodSecurity, podSecurityViolations } from '../../../../sandbox/server/admission/podsecurity.ts';
import { call } from '../helpers.ts';

const plain = { containers: [{ name: 'app', image: 'nginx' }] };
const reasons = (level: 'baseline' | 'restricted', spec: object, version = 'latest', metadata: object = {}): string[] => evaluatePodSecurity(level, spec as never, version, metadata as never).map((r) => r.reason);

describe('PodSecurity checks by version (pod-security-admission policy/check_*.go)', () => {
  it('restricted grows with the version: seccomp from v1.19, capabilities from v1.22, runAsUser from v1.23', () => {
    expect(reasons('restricted', plain, 'v1.18')).toEqual(['allowPrivilegeEscalation != false', 'runAsNonRoot != true']);
    expect(reasons('restricted', plain, 'v1.21')).toEqual(['allowPrivilegeEscalation != false', 'runAsNonRoot != true', 'seccompProfile']);
    expect(reasons('restricted', plain, 'v1.22')).toEqual(['allowPrivilegeEscalation != false', 'unrestricted capabilities', 'runAsNonRoot != true', 'seccompProfile']);
    const root = { securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'app', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] };
    expect(reasons('restricted', root, 'v1.22')).toEqual([]);
    expect(podSecurityViolations('restricted', root, 'v1.23')).toEqual(['runAsUser=0 (pod must not set runAsUser=0)']);
  });

  it('before v1.22 a restricted Pod adding SYS_ADMIN fails the baseline capabilities check, which capabilities_restricted replaces later', () => {
    const spec = { containers: [{ name: 'app', image: 'nginx', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] };
    expect(reasons('restricted', spec, 'v1.21')).toContain('non-default capabilities');
    expect(reasons('restricted', spec, 'v1.22')).not.toContain('non-default capabilities');
    expect(reasons('restricted', spec, 'v1.22')).toContain('unrestricted capabilities');
  });

  it('Windows Pods are exempt from the restricted capabilities, privilege escalation and seccomp checks from v1.25', () => {
    const windows = { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'iis' }] };
    expect(reasons('restricted', windows, 'v1.24')).toEqual(['allowPrivilegeEscalation != false', 'unrestricted capabilities', 'seccompProfile']);
    expect(reasons('restricted', windows, 'v1.25')).toEqual([]);
  });

  it('sysctls: the allowed set grows in v1.27, v1.29 and v1.32', () => {
    const spec = (name: string): Record<string, unknown> => ({ securityContext: { sysctls: [{ name, value: '1' }] }, containers: [{ name: 'app', image: 'nginx' }] });
    expect(podSecurityViolations('baseline', spec('net.ipv4.ip_local_reserved_ports'), 'v1.26')).toEqual(['forbidden sysctls (net.ipv4.ip_local_reserved_ports)']);
    expect(reasons('baseline', spec('net.ipv4.ip_local_reserved_ports'), 'v1.27')).toEqual([]);
    expect(reasons('baseline', spec('net.ipv4.tcp_keepalive_time'), 'v1.28')).toEqual(['forbidden sysctls']);
    expect(reasons('baseline', spec('net.ipv4.tcp_keepalive_time'), 'v1.29')).toEqual([]);
    expect(reasons('baseline', spec('net.ipv4.tcp_rmem'), 'v1.31')).toEqual(['forbidden sysctls']);
    expect(reasons('baseline', spec('net.ipv4.tcp_rmem'), 'latest')).toEqual([]);
    expect(reasons('baseline', spec('kernel.msgmax'), 'latest')).toEqual(['forbidden sysctls']);
  });

  it('probe and lifecycle hosts are refused from v1.34', () => {
    const spec = { containers: [{ name: 'app', image: 'nginx', livenessProbe: { httpGet: { host: '10.0.0.1', port: 80 } }, lifecycle: { preStop: { tcpSocket: { host: 'metadata', port: 80 } } } }] };
    expect(reasons('baseline', spec, 'v1.33')).toEqual([]);
    expect(podSecurityViolations('baseline', spec, 'v1.34')).toEqual(['probe or lifecycle host (container "app" uses probe or lifecycle hosts "10.0.0.1", "metadata")']);
  });

  it('AppArmor (fields and the deprecated annotations), procMount and seccomp Unconfined at baseline', () => {
    const spec = { securityContext: { appArmorProfile: { type: 'Unconfined' }, seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'app', image: 'nginx', securityContext: { procMount: 'Unmasked' } }] };
    const metadata = { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' } };
    expect(podSecurityViolations('baseline', spec, 'latest', metadata)).toEqual([
      'forbidden AppArmor profiles (pod and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/app=\\"unconfined\\"")',
      'procMount (container "app" must not set securityContext.procMount to "Unmasked")',
      'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
    ]);
    // Before v1.19 seccomp is judged by its alpha annotations only.
    expect(podSecurityViolations('baseline', { containers: [{ name: 'app', image: 'nginx' }] }, 'v1.18', { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } }))
      .toEqual(['seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")']);
  });
});

describe('PodSecurity versions, audit and exemptions through the API', () => {
  let sb: Sandbox;
  const ns = async (name: string, labels: Record<string, string>): Promise<void> => {
    expect((await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name, labels } } })).status).toBe(201);
  };
  const pod = (name: string, spec: object = plain): object => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });

  beforeAll(async () => {
    sb = await startSandbox({ controllers: false, podSecurityExemptions: { namespaces: ['tools'], runtimeClasses: ['trusted'] } });
    await ns('old', { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.18' });
    await ns('audited', { 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/audit-version': 'v1.30' });
    await ns('tools', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    await ns('strict', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  });
  afterAll(() => sb.stop());

  it('enforce-version v1.18 runs the checks as they were then', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/old/pods', { body: pod('p') });
    expect(res.status).toBe(403);
    expect(res.json.message).toBe('pods "p" is forbidden: violates PodSecurity "restricted:v1.18": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)');
    const ok = { securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'nginx', securityContext: { allowPrivilegeEscalation: false } }] };
    expect((await call(sb, 'POST', '/api/v1/namespaces/old/pods', { body: pod('ok', ok) })).status).toBe(201);
  });

  it('audit admits the Pod and records the audit annotations the real plugin adds to the audit event', async () => {
    await call(sb, 'DELETE', '/_sandbox/audit');
    const res = await call(sb, 'POST', '/api/v1/namespaces/audited/pods', { body: pod('p') });
    expect(res.status).toBe(201);
    expect(res.headers.warning).toBeUndefined();
    const audit = await call(sb, 'GET', '/_sandbox/audit');
    expect(audit.json).toEqual([{
      resource: 'pods', namespace: 'audited', name: 'p', user: 'admin',
      annotations: {
        'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
        'pod-security.kubernetes.io/audit-violations': 'would violate PodSecurity "restricted:v1.30": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
      },
    }]);
  });

  it('exempt namespaces and runtime classes are admitted, with the exempt annotation', async () => {
    await call(sb, 'DELETE', '/_sandbox/audit');
    expect((await call(sb, 'POST', '/api/v1/namespaces/tools/pods', { body: pod('p') })).status).toBe(201);
    expect((await call(sb, 'POST', '/api/v1/namespaces/strict/pods', { body: pod('p') })).status).toBe(403);
    expect((await call(sb, 'POST', '/api/v1/namespaces/strict/pods', { body: pod('q', { ...plain, runtimeClassName: 'trusted' }) })).status).toBe(201);
    const audit = (await call(sb, 'GET', '/_sandbox/audit')).json as Array<{ name: string; namespace: string; annotations: Record<string, string> }>;
    expect(audit.map((a) => [a.namespace, a.name, a.annotations['pod-security.kubernetes.io/exempt'] ?? a.annotations['pod-security.kubernetes.io/enforce-policy']])).toEqual([
      ['tools', 'p', 'namespace'], ['strict', 'p', 'restricted:latest'], ['strict', 'q', 'runtimeClass'],
    ]);
  });
});

describe('PodSecurity username exemptions and the controllers', () => {
  let sb: Sandbox;
  const replicaSetController = 'system:serviceaccount:kube-system:replicaset-controller';
  beforeAll(async () => {
    sb = await startSandbox({ podSecurityExemptions: { usernames: [replicaSetController] } });
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'strict', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } });
  });
  afterAll(() => sb.stop());

  it('Pods the ReplicaSet controller creates are exempt when its ServiceAccount is; a Job controller\'s are not', async () => {
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
    const rs = { metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template } };
    expect((await call(sb, 'POST', '/apis/apps/v1/namespaces/strict/replicasets', { body: rs })).status).toBe(201);
    const job = { metadata: { name: 'once' }, spec: { template: { metadata: {}, spec: { ...template.spec, restartPolicy: 'Never' } } } };
    expect((await call(sb, 'POST', '/apis/batch/v1/namespaces/strict/jobs', { body: job })).status).toBe(201);
    let audit: Array<{ resource: string; user?: string; annotations: Record<string, string> }> = [];
    for (let i = 0; i < 100; i++) {
      audit = (await call(sb, 'GET', '/_sandbox/audit')).json;
      if (audit.some((a) => a.user === replicaSetController) && audit.some((a) => a.user === 'system:serviceaccount:kube-system:job-controller')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(audit.find((a) => a.user === replicaSetController)?.annotations).toEqual({ 'pod-security.kubernetes.io/exempt': 'user' });
    expect(audit.find((a) => a.user === 'system:serviceaccount:kube-system:job-controller')?.annotations).toEqual({ 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' });
    const pods = (await call(sb, 'GET', '/api/v1/namespaces/strict/pods')).json.items as Array<{ metadata: { name: string } }>;
    expect(pods.map((p) => p.metadata.name).filter((n) => n.startsWith('web-'))).toHaveLength(1);
    expect(pods.filter((p) => p.metadata.name.startsWith('once-'))).toHaveLength(0);
  });
});
