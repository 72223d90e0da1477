import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKubectlKustomize, rewriteTempPaths } from '../../../src/adapters/kustomize/kubectl-kustomize.ts';
import type { DriftlessError } from '../../../src/core/errors.ts';

const tempParent = mkdtempSync(join(tmpdir(), 'driftless-kk-test-'));
afterAll(() => rmSync(tempParent, { recursive: true, force: true }));
const runner = createKubectlKustomize({ tempDir: tempParent });
const files = (entries: Record<string, string>): Map<string, Uint8Array> => new Map(Object.entries(entries).map(([k, v]) => [k, new TextEncoder().encode(v)]));

describe('createKubectlKustomize', () => {
  it('builds a base and overlay laid out from memory, printing kustomize output as is, and cleans up', async () => {
    const text = await runner.build({
      root: 'overlays/prod',
      files: files({
        'base/kustomization.yaml': 'resources:\n- cm.yaml\n',
        'base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n',
        'overlays/prod/kustomization.yaml': 'resources:\n- ../../base\nnamePrefix: prod-\n',
      }),
    });
    expect(text).toBe('apiVersion: v1\ndata:\n  a: "1"\nkind: ConfigMap\nmetadata:\n  name: prod-cfg\n');
    expect(readdirSync(tempParent)).toEqual([]);
  });

  it('maps kustomize errors to RENDER_FAILED with repository paths, not temp paths', async () => {
    const err = (await runner.build({ root: 'app', files: files({ 'app/kustomization.yaml': 'resources:\n- missing.yaml\n' }) }).catch((e: unknown) => e)) as DriftlessError;
    expect(err.code).toBe('RENDER_FAILED');
    expect(err.message).toMatch(/^kustomize failed to build app: /);
    expect(err.message).toContain('missing.yaml');
    expect(err.message).not.toContain(tempParent);
    expect(err.message).not.toContain('driftless-kustomize-');
    expect(readdirSync(tempParent)).toEqual([]);
  });

  it('cannot reach the network without allowRemote: a remote base fails fast', async () => {
    const started = Date.now();
    const err = (await runner.build({ root: '', files: files({ 'kustomization.yaml': 'resources:\n- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v3.3.1\n' }) }).catch((e: unknown) => e)) as DriftlessError;
    expect(err.code).toBe('RENDER_FAILED');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('rewrites temp paths in messages', () => {
    expect(rewriteTempPaths('error: open /tmp/x/repo/app/a.yaml: no such file; in /tmp/x/repo', '/tmp/x/repo')).toBe('open app/a.yaml: no such file; in .');
  });
});
