import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { findTool } from '../../src/tools/binaries.ts';
import { call } from '../sandbox/server/helpers.ts';

interface Run { code: number; stdout: string; stderr: string }

const deploymentYaml = (replicas: number, image = 'nginx:1.25'): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web, tier: front}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "${image}", ports: [{containerPort: 80}]}]
`;

const crdYaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gizmos, singular: gizmo, kind: Gizmo, shortNames: [gz]}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns: [{name: Color, type: string, jsonPath: .spec.color}]
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {color: {type: string}}}
`;

describe('kubectl 1.34 against the sandbox', () => {
  let sb: Sandbox;
  let dir: string;
  let kubeconfig: string;
  const kubectlPath = findTool('kubectl').path;

  const kubectl = (args: string[], stdin?: string): Promise<Run> => new Promise((resolve) => {
    const child = execFile(kubectlPath, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-kubectl-'));
    kubeconfig = join(dir, 'kubeconfig');
    sb = await startSandbox({ kubeconfigPath: kubeconfig });
  });
  afterAll(() => sb.stop());

  it('version and api-resources come from discovery (short names, aggregated discovery)', async () => {
    expect((await kubectl(['version', '-o', 'json'])).stdout).toContain('"gitVersion": "v1.34.1"');
    const resources = await kubectl(['api-resources', '--api-group=apps']);
    expect(resources.stdout).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
  });

  it('apply (client-side) creates, re-applies unchanged, and diff shows a change with exit code 1', async () => {
    const path = file('web.yaml', deploymentYaml(2));
    expect((await kubectl(['apply', '-f', path])).stdout).toContain('deployment.apps/web created');
    expect((await kubectl(['apply', '-f', path])).stdout).toContain('deployment.apps/web unchanged');
    expect((await kubectl(['diff', '-f', path])).code).toBe(0);
    const diff = await kubectl(['diff', '-f', file('web3.yaml', deploymentYaml(3))]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/-\s+replicas: 2\n\+\s+replicas: 3/);
  });

  it('apply --server-side records an Apply manager shown by get -o yaml --show-managed-fields', async () => {
    const path = file('web.yaml', deploymentYaml(2));
    expect((await kubectl(['apply', '--server-side', '-f', path])).stdout).toContain('serverside-applied');
    const yaml = (await kubectl(['get', 'deploy', 'web', '-o', 'yaml', '--show-managed-fields'])).stdout;
    expect(yaml).toMatch(/manager: kubectl\n\s+operation: Apply/);
    // kubectl migrates the client-side-apply manager to its SSA manager by rewriting managedFields (kubernetes#99003).
    expect(yaml).not.toContain('manager: kubectl-client-side-apply');
  });

  it('kubectl scale then an unforced apply conflicts; --force-conflicts takes the field back', async () => {
    expect((await kubectl(['scale', 'deploy/web', '--replicas=4'])).stdout).toContain('scaled');
    const conflict = await kubectl(['apply', '--server-side', '-f', file('web.yaml', deploymentYaml(2))]);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
    expect((await kubectl(['apply', '--server-side', '--force-conflicts', '-f', file('web.yaml', deploymentYaml(2))])).code).toBe(0);
    expect((await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('2');
  });

  it('rollout status and wait follow the controller through watches', async () => {
    const rollout = await kubectl(['rollout', 'status', 'deploy/web', '--timeout=20s']);
    expect(rollout.stdout).toContain('successfully rolled out');
    const wait = await kubectl(['wait', '--for=condition=Available', 'deploy/web', '--timeout=20s']);
    expect(wait.stdout).toContain('condition met');
    const table = (await kubectl(['get', 'deploy', 'web'])).stdout;
    expect(table).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+2\/2\s+2\s+2\s+\d+s/);
  });

  it('label selectors select, server-side dry runs store nothing', async () => {
    expect((await kubectl(['get', 'deploy', '-l', 'tier=front', '-o', 'name'])).stdout.trim()).toBe('deployment.apps/web');
    expect((await kubectl(['get', 'deploy', '-l', 'tier notin (front)', '-o', 'name'])).stdout.trim()).toBe('');
    const cm = file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry}\ndata: {a: "1"}\n');
    expect((await kubectl(['apply', '--dry-run=server', '-f', cm])).stdout).toContain('configmap/dry created (server dry run)');
    expect((await kubectl(['get', 'cm', 'dry'])).stderr).toContain('configmaps "dry" not found');
  });

  it('a CRD then its custom resource, with printer columns and explain', async () => {
    expect((await kubectl(['apply', '-f', file('crd.yaml', crdYaml)])).code).toBe(0);
    expect((await kubectl(['wait', '--for=condition=Established', 'crd/gizmos.example.com', '--timeout=10s'])).code).toBe(0);
    const cr = file('gz.yaml', 'apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g1}\nspec: {color: blue}\n');
    expect((await kubectl(['apply', '--server-side', '-f', cr])).stdout).toContain('gizmo.example.com/g1 serverside-applied');
    expect((await kubectl(['get', 'gz'])).stdout).toMatch(/NAME\s+COLOR\s+AGE\ng1\s+blue\s+\d+s/);
    expect((await kubectl(['explain', 'gizmo.spec'])).stdout).toMatch(/color\s+<string>/);
    expect((await kubectl(['explain', 'deployment.spec.replicas'])).stdout).toContain('FIELD: replicas <integer>');
  });

  it('validation errors come back as kubectl prints them (strict field validation, required fields)', async () => {
    const bad = await kubectl(['apply', '-f', file('bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndatta: {a: "1"}\n')]);
    expect(bad.stderr).toContain('unknown field "datta"');
    const noSelector = await kubectl(['apply', '--server-side', '-f', file('nosel.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nosel}\nspec:\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: x}]}\n')]);
    expect(noSelector.stderr).toContain('spec.selector: Required value');
  });

  it('the viewer context reads but gets the real Forbidden message on writes; a wrong token is 401', async () => {
    expect((await kubectl(['--context', 'sandbox-viewer', 'get', 'deploy', '-o', 'name'])).stdout).toContain('deployment.apps/web');
    const denied = await kubectl(['--context', 'sandbox-viewer', 'apply', '--server-side', '-f', file('web.yaml', deploymentYaml(2))]);
    expect(denied.stderr).toContain('Error from server (Forbidden): deployments.apps "web" is forbidden: User "viewer" cannot patch resource "deployments" in API group "apps" in the namespace "default"');
    const wrong = await kubectl(['--token', 'wrong', 'get', 'ns']);
    expect(wrong.stderr).toMatch(/Unauthorized|must be logged in/);
  });

  it('faults: kubectl retries 429 after Retry-After, reports 500 and 503', async () => {
    await call(sb, 'POST', '/_sandbox/faults', { token: null, body: { verb: 'list', resource: 'configmaps', count: 1, kind: '429', retryAfterSeconds: 1 } });
    const retried = await kubectl(['get', 'cm', '-o', 'name']);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain('configmap/kube-root-ca.crt');
    await call(sb, 'POST', '/_sandbox/faults', { token: null, body: { verb: 'list', resource: 'configmaps', count: 1, kind: '500' } });
    expect((await kubectl(['get', 'cm'])).stderr).toContain('Error from server (InternalError)');
    await call(sb, 'POST', '/_sandbox/faults', { token: null, body: { verb: 'list', resource: 'configmaps', count: 1, kind: '503' } });
    expect((await kubectl(['get', 'cm'])).stderr).toContain('Error from server (ServiceUnavailable)');
    await call(sb, 'POST', '/_sandbox/faults', { token: null, body: { verb: 'list', resource: 'configmaps', count: 1, kind: 'reset' } });
    expect((await kubectl(['get', 'cm', '-o', 'name'])).stdout).toContain('kube-root-ca.crt');
  });

  it('reads the protobuf bodies of typed-client commands: create ns/configmap/secret/deployment, auth can-i, auth whoami', async () => {
    expect((await kubectl(['create', 'namespace', 'pb'])).stdout).toContain('namespace/pb created');
    expect((await kubectl(['create', 'configmap', 'pbc', '-n', 'pb', '--from-literal=k=v'])).code).toBe(0);
    expect((await kubectl(['get', 'cm', 'pbc', '-n', 'pb', '-o', 'jsonpath={.data.k}'])).stdout).toBe('v');
    expect((await kubectl(['create', 'secret', 'generic', 'pbs', '-n', 'pb', '--from-literal=p=q'])).code).toBe(0);
    expect((await kubectl(['get', 'secret', 'pbs', '-n', 'pb', '-o', 'jsonpath={.data.p}'])).stdout).toBe(Buffer.from('q').toString('base64'));
    expect((await kubectl(['create', 'deployment', 'pbd', '-n', 'pb', '--image=nginx:1.25', '--replicas=2', '--port=80'])).code).toBe(0);
    const spec = JSON.parse((await kubectl(['get', 'deploy', 'pbd', '-n', 'pb', '-o', 'jsonpath={.spec}'])).stdout);
    expect(spec.replicas).toBe(2);
    expect(spec.template.spec.containers[0]).toMatchObject({ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] });
    expect((await kubectl(['auth', 'can-i', 'create', 'deployments'])).stdout.trim()).toBe('yes');
    expect((await kubectl(['--context', 'sandbox-viewer', 'auth', 'can-i', 'create', 'deployments'])).stdout.trim()).toBe('no');
    expect((await kubectl(['--context', 'sandbox-viewer', 'auth', 'whoami'])).stdout).toMatch(/Username\s+viewer/);
  });

  it('delete removes the object and its ReplicaSets; get is then NotFound', async () => {
    expect((await kubectl(['delete', 'deploy', 'web', '--timeout=20s'])).stdout).toContain('deployment.apps "web" deleted');
    expect((await kubectl(['get', 'deploy', 'web'])).stderr).toContain('deployments.apps "web" not found');
    for (let i = 0; i < 50 && (await kubectl(['get', 'rs', '-l', 'app=web', '-o', 'name'])).stdout.trim(); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await kubectl(['get', 'rs', '-l', 'app=web', '-o', 'name'])).stdout.trim()).toBe('');
  });
});
