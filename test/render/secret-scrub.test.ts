import { describe, expect, it } from 'vitest';
import type { DriftlessError } from '../../src/core/errors.ts';
import { scrubberOf } from '../../src/core/scrub.ts';
import { createKubectlKustomize } from '../../src/adapters/kustomize/kubectl-kustomize.ts';
import { createRenderer } from '../../src/render/renderer.ts';
import { memoryTree } from '../support/memory-tree.ts';

const renderer = createRenderer({ kustomize: createKubectlKustomize() });
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const failure = (promise: Promise<unknown>): Promise<DriftlessError> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err as DriftlessError,
  );

const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: nginx\n';

/** A replacement whose options.index is out of range: kustomize answers "…out of bounds for value <the value>". */
const outOfBounds = (source: string): string =>
  ['replacements:', '- source:', '    kind: Secret', `    name: ${source}`, '    fieldPath: data.password', '    options:', '      delimiter: "-"', '      index: 5', '  targets:', '  - select:', '      kind: Deployment', '    fieldPaths:', '    - spec.template.spec.containers.0.image', ''].join('\n');

function expectClean(text: string, value: string): void {
  for (const form of [value, b64(value), b64(value).replace(/=+$/, ''), Buffer.from(value).toString('base64url')]) expect(text).not.toContain(form);
}

describe('render errors never carry a Secret value', () => {
  it('a replacements error quoting a secretGenerator literal is masked (plain and base64)', async () => {
    const value = 'hunter2-Sup3rSecret';
    const tree = memoryTree({
      'app/kustomization.yaml': `secretGenerator:\n- name: creds\n  literals:\n  - password=${value}\nresources:\n- deploy.yaml\n${outOfBounds('creds')}`,
      'app/deploy.yaml': deployment,
    });
    const err = await failure(renderer.render({ tree, path: 'app' }));
    expect(err.code).toBe('RENDER_FAILED');
    expect(err.message).toContain('out of bounds for value <redacted>');
    expectClean(JSON.stringify({ message: err.message, details: err.details }), value);
    expect(scrubberOf(err)?.scrub(value)).toBe('<redacted>');
  });

  it('a replacements error quoting a Secret resource file and an env-file generator input is masked', async () => {
    const fromFile = 'from-a-resource-file';
    const fromEnv = 'env-file-secret-value';
    const tree = memoryTree({
      'app/kustomization.yaml': `resources:\n- secret.yaml\n- deploy.yaml\nsecretGenerator:\n- name: envcreds\n  envs:\n  - creds.env\n${outOfBounds('db')}${outOfBounds('envcreds').replace('replacements:\n', '')}`,
      'app/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: ${b64(fromFile)}\n`,
      'app/creds.env': `password=${fromEnv}\n`,
      'app/deploy.yaml': deployment,
    });
    const err = await failure(renderer.render({ tree, path: 'app' }));
    expect(err.code).toBe('RENDER_FAILED');
    expectClean(err.message, fromFile);
    expect(scrubberOf(err)?.scrub(`${fromEnv} ${b64(fromEnv)}`)).toBe('<redacted> <redacted>');
  });

  it("kustomize's node contents dump (the target Secret's data) is dropped", async () => {
    const value = 'node-dump-secret';
    const tree = memoryTree({
      'app/kustomization.yaml': `secretGenerator:\n- name: creds\n  literals:\n  - password=${value}\nresources:\n- deploy.yaml\nreplacements:\n- source:\n    kind: Deployment\n    name: web\n    fieldPath: spec.template.spec.containers.0.image\n  targets:\n  - select:\n      kind: Secret\n    fieldPaths:\n    - data.password.nope\n`,
      'app/deploy.yaml': deployment,
    });
    const err = await failure(renderer.render({ tree, path: 'app' }));
    expect(err.message).toMatch(/node contents: <redacted>$/);
    expectClean(err.message, value);
  });

  it('a plain YAML Secret that does not parse still teaches the scrubber its values', async () => {
    const tree = memoryTree({ 'app/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: "half-parsed-token-value"\n  broken: [unclosed\n' });
    const err = await failure(renderer.render({ tree, path: 'app' }));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(scrubberOf(err)?.scrub('half-parsed-token-value')).toBe('<redacted>');
  });

  it('a successful render returns a scrubber that knows every Secret it rendered', async () => {
    const tree = memoryTree({ 'app/s.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: ${b64('rendered-secret-value')}\nstringData:\n  b: other-secret-value\n` });
    const result = await renderer.render({ tree, path: 'app' });
    expect(result.scrubber?.scrub('rendered-secret-value other-secret-value')).toBe('<redacted> <redacted>');
  });

  it('a file that fails to parse before a file with a Secret: the later Secret is still learned before the error', async () => {
    const tree = memoryTree({
      'app/a-broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: [unclosed\n',
      'app/b-secret.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: later-file-token\n',
    });
    const err = await failure(renderer.render({ tree, path: 'app' }));
    expect(err.message).toContain('app/a-broken.yaml');
    expect(scrubberOf(err)?.scrub('later-file-token')).toBe('<redacted>');
  });
});
