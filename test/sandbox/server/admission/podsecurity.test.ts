import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../../sandbox/index.ts';
import { podSecurityViolations } from '../../../../sandbox/server/admission/podsecurity.ts';
import { call } from '../helpers.ts';

const pod = (name: string, spec: object): object => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });
const hardened = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'app', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
};

describe('PodSecurity enforce (namespace labels)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false });
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } });
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'base', labels: { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.34' } } } });
  });
  afterAll(() => sb.stop());

  it('refuses a plain Pod in a restricted namespace with the real message, and admits a hardened one', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/locked/pods', { body: pod('nginx', { containers: [{ name: 'nginx', image: 'nginx' }] }) });
    expect(res.status).toBe(403);
    expect(res.json.message).toBe('pods "nginx" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
    expect(res.json.details).toEqual({ name: 'nginx', kind: 'pods' });
    expect((await call(sb, 'POST', '/api/v1/namespaces/locked/pods', { body: pod('ok', hardened) })).status).toBe(201);
    expect((await call(sb, 'POST', '/api/v1/namespaces/default/pods', { body: pod('nginx', { containers: [{ name: 'nginx', image: 'nginx' }] }) })).status).toBe(201);
  });

  it('applies baseline checks with the version of enforce-version', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/base/pods', { body: pod('p', { hostNetwork: true, containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80, hostPort: 80 }], securityContext: { privileged: true } }] }) });
    expect(res.status).toBe(403);
    expect(res.json.message).toBe('pods "p" is forbidden: violates PodSecurity "baseline:v1.34": host namespaces (hostNetwork=true), hostPort (container "c" uses hostPort 80), privileged (container "c" must not set securityContext.privileged=true)');
    expect((await call(sb, 'POST', '/api/v1/namespaces/base/pods', { body: pod('plain', { containers: [{ name: 'c', image: 'nginx' }] }) })).status).toBe(201);
  });

  it('an unparseable enforce level fails closed as restricted; a label change takes effect at once', async () => {
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'typo', labels: { 'pod-security.kubernetes.io/enforce': 'restriced', 'pod-security.kubernetes.io/enforce-version': 'v1' } } } });
    const res = await call(sb, 'POST', '/api/v1/namespaces/typo/pods', { body: pod('p', { containers: [{ name: 'c', image: 'nginx' }] }) });
    expect(res.status).toBe(403);
    expect(res.json.message).toMatch(/^pods "p" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
    await call(sb, 'PATCH', '/api/v1/namespaces/typo', { body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, contentType: 'application/merge-patch+json' });
    expect((await call(sb, 'POST', '/api/v1/namespaces/typo/pods', { body: pod('p', { containers: [{ name: 'c', image: 'nginx' }] }) })).status).toBe(201);
  });

  it('names every offending container and volume; restricted checks replace their baseline counterparts', () => {
    expect(podSecurityViolations('baseline', { volumes: [{ name: 'host', hostPath: { path: '/' } }], containers: [{ name: 'a', securityContext: { capabilities: { add: ['SYS_ADMIN', 'CHOWN'] } } }] })).toEqual([
      'non-default capabilities (container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
      'hostPath volumes (volume "host")',
    ]);
    expect(podSecurityViolations('restricted', {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
      containers: [
        { name: 'a', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } } },
        { name: 'b', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 0 } },
      ],
    })).toEqual([
      'unrestricted capabilities (container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
      'restricted volume types (volume "host" uses restricted volume type "hostPath")',
      'runAsUser=0 (container "b" must not set runAsUser=0)',
    ]);
  });
});
