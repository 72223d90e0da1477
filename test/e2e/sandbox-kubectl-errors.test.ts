// kubectl 1.34 against the sandbox's decoding and validation: the errors it prints are the real
// server's (decode 400s, server-side apply 500s, 422 field errors), dry run or not.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { findTool } from '../../src/tools/binaries.ts';

interface Run { code: number; stdout: string; stderr: string }

const deploymentYaml = (name: string, spec = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: web, image: "nginx:1.25"}]
${spec}`;

describe('kubectl 1.34 sees the real server errors', () => {
  let sb: Sandbox;
  let dir: string;
  let kubeconfig: string;
  const kubectlPath = findTool('kubectl').path;

  const kubectl = (args: string[]): Promise<Run> => new Promise((resolve) => {
    execFile(kubectlPath, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-kubectl-errors-'));
    kubeconfig = join(dir, 'kubeconfig');
    sb = await startSandbox({ kubeconfigPath: kubeconfig, controllers: false });
  });
  afterAll(() => sb.stop());

  it('a value of the wrong type is a BadRequest "cannot be handled as", with and without --dry-run=server', async () => {
    const path = file('two.yaml', deploymentYaml('two', '  replicas: two\n'));
    for (const extra of [[], ['--dry-run=server']]) {
      const run = await kubectl(['apply', ...extra, '-f', path]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Error from server (BadRequest): error when creating "${path}": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`);
    }
    const secret = await kubectl(['apply', '-f', file('secret.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: "hunter2!"}\n')]);
    expect(secret.stderr).toContain('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 7');
    const quantity = await kubectl(['apply', '-f', file('q.yaml', deploymentYaml('q').replace('image: "nginx:1.25"', 'image: "nginx:1.25", resources: {limits: {memory: "12 GB"}}'))]);
    expect(quantity.stderr).toContain("Deployment in version \"v1\" cannot be handled as a Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });

  it('unknown fields: strict decoding error by default (kubectl asks for Strict), a warning with --validate=warn', async () => {
    const path = file('unknown.yaml', deploymentYaml('unknown', '  replica: 2\n'));
    const strict = await kubectl(['apply', '-f', path]);
    expect(strict.stderr).toContain('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"');
    const warn = await kubectl(['apply', '--validate=warn', '-f', path]);
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain('Warning: unknown field "spec.replica"');
  });

  it('server-side apply of an undeclared field fails with the typed patch error, whatever --validate says', async () => {
    const path = file('ssa.yaml', deploymentYaml('ssa', '  replica: 2\n'));
    for (const extra of [[], ['--validate=false'], ['--dry-run=server']]) {
      const run = await kubectl(['apply', '--server-side', ...extra, '-f', path]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('failed to create typed patch object (default/ssa; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema');
    }
  });

  it('422 field errors for the rules manifests trip most', async () => {
    const recreate = await kubectl(['apply', '-f', file('recreate.yaml', deploymentYaml('recreate', '  strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}\n'))]);
    expect(recreate.stderr).toContain("The Deployment \"recreate\" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'");
    const probe = await kubectl(['apply', '--server-side', '-f', file('probe.yaml', deploymentYaml('probe').replace('image: "nginx:1.25"', 'image: "nginx:1.25", livenessProbe: {periodSeconds: 5}, volumeMounts: [{name: data, mountPath: /data}]'))]);
    expect(probe.stderr).toContain('The Deployment "probe" is invalid: \n* spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"\n* spec.template.spec.containers[0].livenessProbe: Required value: must specify a handler type');
    const ingress = await kubectl(['apply', '-f', file('ingress.yaml', 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ing}\nspec:\n  rules:\n  - host: Example.COM\n    http:\n      paths: [{path: /, pathType: Regex, backend: {service: {name: web, port: {number: 80}}}}]\n')]);
    expect(ingress.stderr).toContain('The Ingress "ing" is invalid: \n* spec.rules[0].host: Invalid value: "Example.COM": a lowercase RFC 1123 subdomain');
    expect(ingress.stderr).toContain('* spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"');
    const cmKey = await kubectl(['apply', '-f', file('keys.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keys}\ndata: {"bad key": "1"}\n')]);
    expect(cmKey.stderr).toContain('The ConfigMap "keys" is invalid: data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters');
  });

  it('RBAC: roleRef cannot change', async () => {
    const binding = (role: string): string => `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${role}}\nsubjects: [{kind: ServiceAccount, name: default}]\n`;
    expect((await kubectl(['apply', '-f', file('rb1.yaml', binding('view'))])).code).toBe(0);
    const changed = await kubectl(['apply', '-f', file('rb2.yaml', binding('edit'))]);
    expect(changed.stderr).toContain('The RoleBinding "rb" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef');
  });

  it('node ports are allocated across Services', async () => {
    const svc = (name: string, port: number): string => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {type: NodePort, selector: {app: x}, ports: [{port: 80, nodePort: ${port}}]}\n`;
    expect((await kubectl(['apply', '-f', file('np1.yaml', svc('np1', 31000))])).code).toBe(0);
    const taken = await kubectl(['apply', '-f', file('np2.yaml', svc('np2', 31000))]);
    expect(taken.stderr).toContain('The Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 31000: provided port is already allocated');
    const range = await kubectl(['apply', '--dry-run=server', '-f', file('np3.yaml', svc('np3', 80))]);
    expect(range.stderr).toContain('The Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767');
  });

  it('kubectl get reads built-in lists (items without TypeMeta) and objects (with it)', async () => {
    expect((await kubectl(['create', 'configmap', 'plain', '--from-literal=a=1'])).code).toBe(0);
    const list = await kubectl(['get', '--raw', '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dplain']);
    const parsed = JSON.parse(list.stdout) as { kind: string; items: Array<Record<string, unknown>> };
    expect(parsed.kind).toBe('ConfigMapList');
    expect(parsed.items[0]!.kind).toBeUndefined();
    const got = await kubectl(['get', 'configmap', 'plain', '-o', 'jsonpath={.kind}/{.apiVersion}']);
    expect(got.stdout).toBe('ConfigMap/v1');
    expect((await kubectl(['get', 'configmaps', '-o', 'name'])).stdout).toContain('configmap/plain');
  });
});
