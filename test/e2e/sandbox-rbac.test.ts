import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { findTool } from '../../src/tools/binaries.ts';

interface Run { code: number; stdout: string; stderr: string }

const SA = 'system:serviceaccount:apps:deployer';
const saGroups = '["system:serviceaccounts" "system:serviceaccounts:apps" "system:authenticated"]';

describe('RBAC and ServiceAccount tokens with kubectl 1.34 and @kubernetes/client-node', () => {
  let sb: Sandbox;
  let dir: string;
  let kubeconfig: string;
  const kubectlPath = findTool('kubectl').path;
  const kubectl = (args: string[]): Promise<Run> => new Promise((resolve) => {
    execFile(kubectlPath, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
  const asDeployer = (args: string[]): Promise<Run> => kubectl(['--context', 'sa-apps-deployer', ...args]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-rbac-'));
    kubeconfig = join(dir, 'kubeconfig');
    sb = await startSandbox({ kubeconfigPath: kubeconfig, serviceAccounts: ['apps/deployer'] });
  });
  afterAll(() => sb.stop());

  it('--service-account creates the account and a kubeconfig context sa-<ns>-<name> in its namespace', async () => {
    const config = parse(readFileSync(kubeconfig, 'utf8'));
    expect(config.contexts).toContainEqual({ name: 'sa-apps-deployer', context: { cluster: 'sandbox', user: 'sa-apps-deployer', namespace: 'apps' } });
    expect((await kubectl(['get', 'serviceaccount', 'deployer', '-n', 'apps', '-o', 'name'])).stdout.trim()).toBe('serviceaccount/deployer');
  });

  it('kubectl auth whoami shows the ServiceAccount and its groups; discovery works for it', async () => {
    const who = await asDeployer(['auth', 'whoami']);
    expect(who.code).toBe(0);
    expect(who.stdout).toMatch(new RegExp(`Username\\s+${SA}`));
    expect(who.stdout).toMatch(/Groups\s+\[system:serviceaccounts system:serviceaccounts:apps system:authenticated\]/);
    const resources = await asDeployer(['api-resources', '--api-group=apps']);
    expect(resources.code).toBe(0);
    expect(resources.stdout).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
  });

  it('a ServiceAccount without bindings is refused with the real message; a RoleBinding to edit opens its namespace only', async () => {
    const denied = await asDeployer(['get', 'configmaps']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(`Error from server (Forbidden): configmaps is forbidden: User "${SA}" cannot list resource "configmaps" in API group "" in the namespace "apps"`);
    expect((await asDeployer(['auth', 'can-i', 'create', 'deployments'])).stdout.trim()).toBe('no');
    expect((await kubectl(['create', 'rolebinding', 'deployer-edit', '--clusterrole=edit', '--serviceaccount=apps:deployer', '-n', 'apps'])).code).toBe(0);
    expect((await asDeployer(['auth', 'can-i', 'create', 'deployments'])).stdout.trim()).toBe('yes');
    expect((await asDeployer(['auth', 'can-i', 'get', 'secrets'])).stdout.trim()).toBe('yes');
    expect((await asDeployer(['auth', 'can-i', 'create', 'deployments', '-n', 'default'])).stdout.trim()).toBe('no');
    expect((await asDeployer(['auth', 'can-i', 'list', 'namespaces', '-A'])).stdout.trim()).toBe('no');
    expect((await asDeployer(['auth', 'can-i', 'create', 'roles'])).stdout.trim()).toBe('no');
    const list = await asDeployer(['auth', 'can-i', '--list']);
    expect(list.stdout).toMatch(/deployments\.apps\s+\[\]\s+\[\]\s+\[create update patch delete deletecollection get list watch\]/);
    expect(list.stdout).toMatch(/selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    const nodes = await asDeployer(['get', 'deployments', '-A']);
    expect(nodes.stderr).toContain(`deployments.apps is forbidden: User "${SA}" cannot list resource "deployments" in API group "apps" at the cluster scope`);
  });

  it('the viewer context (ClusterRole view) reads Deployments but not Secrets', async () => {
    expect((await kubectl(['--context', 'sandbox-viewer', 'get', 'deployments'])).code).toBe(0);
    const secrets = await kubectl(['--context', 'sandbox-viewer', 'get', 'secrets']);
    expect(secrets.code).not.toBe(0);
    expect(secrets.stderr).toContain('Error from server (Forbidden): secrets is forbidden: User "viewer" cannot list resource "secrets" in API group "" in the namespace "default"');
    expect((await kubectl(['--context', 'sandbox-viewer', 'auth', 'can-i', 'get', 'secrets'])).stdout.trim()).toBe('no');
  });

  it('kubectl create token issues a token for the account; the server refuses durations under 10 minutes', async () => {
    const created = await kubectl(['create', 'token', 'deployer', '-n', 'apps', '--duration', '20m']);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.sub).toBe(SA);
    expect(claims.exp - claims.iat).toBe(1200);
    const who = await kubectl(['--context', 'sandbox', '--token', token, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    expect(who.stdout).toBe(SA);
    const short = await kubectl(['create', 'token', 'deployer', '-n', 'apps', '--duration', '5m']);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('may not specify a duration less than 10 minutes');
    const missing = await kubectl(['create', 'token', 'nobody', '-n', 'apps']);
    expect(missing.stderr).toContain('serviceaccounts "nobody" not found');
  });

  it('refuses a Role granting what its author lacks (escalation), with the real message', async () => {
    expect((await kubectl(['create', 'rolebinding', 'deployer-admin', '--clusterrole=admin', '--serviceaccount=apps:deployer', '-n', 'apps'])).code).toBe(0);
    expect((await asDeployer(['create', 'role', 'cm-reader', '--verb=get,list', '--resource=configmaps'])).code).toBe(0);
    const escalating = await asDeployer(['create', 'role', 'node-reader', '--verb=get', '--resource=nodes,configmaps']);
    expect(escalating.code).not.toBe(0);
    expect(escalating.stderr).toContain(`roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "${SA}" (groups=${saGroups}) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}`);
  });

  it('PodSecurity: kubectl run in a namespace labelled enforce=restricted is refused with the real message', async () => {
    expect((await kubectl(['create', 'namespace', 'locked'])).code).toBe(0);
    expect((await kubectl(['label', 'namespace', 'locked', 'pod-security.kubernetes.io/enforce=restricted'])).code).toBe(0);
    const run = await kubectl(['run', 'nginx', '--image=nginx', '-n', 'locked']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('Error from server (Forbidden): pods "nginx" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
  });

  it('PodSecurity: kubectl apply of a Deployment warns, its Pods are refused and kubectl events / describe rs show FailedCreate', async () => {
    expect((await kubectl(['create', 'namespace', 'guarded'])).code).toBe(0);
    expect((await kubectl(['label', 'namespace', 'guarded', 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted', 'pod-security.kubernetes.io/warn-version=v1.30'])).code).toBe(0);
    const file = join(dir, 'web.yaml');
    writeFileSync(file, stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'guarded' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } } }));
    const apply = await kubectl(['apply', '-f', file]);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('deployment.apps/web created');
    expect(apply.stderr).toContain('Warning: would violate PodSecurity "restricted:v1.30": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities');
    let events = '';
    for (let i = 0; i < 50 && !events.includes('FailedCreate'); i++) {
      events = (await kubectl(['events', '-n', 'guarded'])).stdout;
      if (!events.includes('FailedCreate')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(events).toMatch(/Warning\s+FailedCreate\s+ReplicaSet\/web-[a-z0-9]+\s+Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
    const describe = await kubectl(['describe', 'rs', '-n', 'guarded']);
    expect(describe.stdout).toMatch(/ReplicaFailure\s+True\s+FailedCreate/);
    expect(describe.stdout).toMatch(/Warning\s+FailedCreate\s+.*replicaset-controller\s+Error creating: pods "web-/);
    expect((await kubectl(['get', 'pods', '-n', 'guarded', '-o', 'name'])).stdout.trim()).toBe('');
  });

  it('@kubernetes/client-node: a ServiceAccount context lists what it is bound to, gets 403 elsewhere, and can request tokens', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    kc.setCurrentContext('sa-apps-deployer');
    const core = kc.makeApiClient(CoreV1Api);
    expect(Array.isArray((await core.listNamespacedConfigMap({ namespace: 'apps' })).items)).toBe(true);
    const forbidden = await core.listNamespace().then(() => undefined, (err: { code?: number; body?: string }) => err);
    expect(forbidden?.code).toBe(403);
    expect(JSON.parse(String(forbidden?.body)).message).toBe(`namespaces is forbidden: User "${SA}" cannot list resource "namespaces" in API group "" at the cluster scope`);
    const who = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(who.status?.userInfo?.username).toBe(SA);
    const issued = await core.createNamespacedServiceAccountToken({ name: 'deployer', namespace: 'apps', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    expect(issued.status?.token.split('.')).toHaveLength(3);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const denied = await rbac.createClusterRole({ body: { metadata: { name: 'mine' }, rules: [] } }).then(() => undefined, (err: { code?: number }) => err);
    expect(denied?.code).toBe(403);
  });
});
