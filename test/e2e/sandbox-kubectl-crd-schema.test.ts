// kubectl 1.34 against the sandbox's CRD schemas: custom resources are defaulted and validated
// with the messages of apiextensions-apiserver and kube-openapi.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { findTool } from '../../src/tools/binaries.ts';

interface Run { code: number; stdout: string; stderr: string }

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [name]
            properties:
              replicas: {type: integer, minimum: 1, maximum: 10, default: 1}
              name: {type: string, pattern: '^[a-z]+$', maxLength: 5}
              mode: {type: string, enum: [a, b], default: a}
              tags: {type: array, items: {type: string}, maxItems: 2, x-kubernetes-list-type: set}
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    protocol: {type: string, default: TCP}
`;

const widget = (name: string, spec: string): string => `apiVersion: example.com/v1
kind: Widget
metadata: {name: ${name}}
spec: ${spec}
`;

describe('kubectl 1.34 and CRD schemas', () => {
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
    dir = mkdtempSync(join(tmpdir(), 'sandbox-kubectl-crd-'));
    kubeconfig = join(dir, 'kubeconfig');
    sb = await startSandbox({ kubeconfigPath: kubeconfig, controllers: false });
    expect((await kubectl(['apply', '-f', file('crd.yaml', crd)])).code).toBe(0);
    expect((await kubectl(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=10s'])).code).toBe(0);
  });
  afterAll(() => sb.stop());

  it('defaults absent fields, inside array items too, visible in get -o yaml', async () => {
    const applied = await kubectl(['apply', '--server-side', '-f', file('ok.yaml', widget('ok', '{name: abc, ports: [{name: http}]}'))]);
    expect(applied.stderr).toBe('');
    const got = await kubectl(['get', 'widget', 'ok', '-o', 'jsonpath={.spec.replicas} {.spec.mode} {.spec.ports[0].protocol}']);
    expect(got.stdout).toBe('1 a TCP');
    const yaml = (await kubectl(['get', 'widget', 'ok', '-o', 'yaml'])).stdout;
    expect(yaml).toContain('replicas: 1');
  });

  it('refuses each violated keyword with the real message, dry run or not', async () => {
    const cases: Array<[string, string, string]> = [
      ['max', '{name: abc, replicas: 11}', 'The Widget "max" is invalid: spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10'],
      ['min', '{name: abc, replicas: 0}', 'The Widget "min" is invalid: spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1'],
      ['pattern', '{name: ABC}', `The Widget "pattern" is invalid: spec.name: Invalid value: "ABC": spec.name in body should match '^[a-z]+$'`],
      ['long', '{name: abcdefg}', 'The Widget "long" is invalid: spec.name: Too long: may not be more than 5 bytes'],
      ['enum', '{name: abc, mode: x}', 'The Widget "enum" is invalid: spec.mode: Unsupported value: "x": supported values: "a", "b"'],
      ['items', '{name: abc, tags: [a, b, c]}', 'The Widget "items" is invalid: spec.tags: Too many: 3: must have at most 2 items'],
      ['set', '{name: abc, tags: [a, a]}', 'The Widget "set" is invalid: spec.tags[1]: Duplicate value: "a"'],
      ['map', '{name: abc, ports: [{name: http}, {name: http}]}', 'The Widget "map" is invalid: spec.ports[1]: Duplicate value: map[string]interface {}{"name":"http"}'],
      ['required', '{replicas: 2}', 'The Widget "required" is invalid: spec.name: Required value'],
    ];
    for (const [name, spec, message] of cases) {
      for (const extra of [['--dry-run=server'], []]) {
        const run = await kubectl(['apply', ...extra, '-f', file(`${name}.yaml`, widget(name, spec))]);
        expect(run.code, `${name} ${extra.join(' ')}`).toBe(1);
        expect(run.stderr).toContain(message);
      }
    }
    expect((await kubectl(['get', 'widgets', '-o', 'name'])).stdout.trim()).toBe('widget.example.com/ok');
  });

  it('collects several errors of one object into one 422', async () => {
    const run = await kubectl(['create', '-f', file('many.yaml', widget('many', '{name: ABC, replicas: 11, mode: x}'))]);
    // kubectl prints the causes sorted, one per line.
    expect(run.stderr).toContain([
      'The Widget "many" is invalid: ',
      '* spec.mode: Unsupported value: "x": supported values: "a", "b"',
      `* spec.name: Invalid value: "ABC": spec.name in body should match '^[a-z]+$'`,
      '* spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
    ].join('\n'));
  });

  it('validates patches and server-side apply of existing objects', async () => {
    const patched = await kubectl(['patch', 'widget', 'ok', '--type=merge', '-p', '{"spec":{"replicas":20}}']);
    expect(patched.stderr).toContain('The Widget "ok" is invalid: spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10');
    const applied = await kubectl(['apply', '--server-side', '-f', file('ok2.yaml', widget('ok', '{name: abc, replicas: 12}'))]);
    expect(applied.stderr).toContain('spec.replicas: Invalid value: 12: spec.replicas in body should be less than or equal to 10');
  });
});
