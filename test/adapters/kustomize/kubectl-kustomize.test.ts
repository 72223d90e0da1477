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

  const cm = { 'app/kustomization.yaml': 'resources:\n- cm.yaml\n', 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n' };
  const capped = (caps: Parameters<typeof createKubectlKustomize>[0]) =>
    createKubectlKustomize({ tempDir: tempParent, ...caps })
      .build({ root: 'app', files: files(cm) })
      .catch((e: unknown) => e as DriftlessError);

  it('stops kustomize past its memory cap: RENDER_FAILED naming the app and the cap, not transient', async () => {
    // Any Go binary has a few MiB resident at start: 1 MiB is passed at once.
    const err = (await capped({ memoryBytes: 1024 * 1024 })) as DriftlessError;
    expect(err.code).toBe('RENDER_FAILED');
    expect(err.message).toMatch(/^kustomize failed to build app: it used more than 1 MiB of memory \(the kustomize memory cap\)/);
    expect(err.details.transient).toBe(false);
    expect(readdirSync(tempParent)).toEqual([]);
  });

  it('stops kustomize as soon as its output passes the cap (the smaller of its own and the build cap)', async () => {
    const err = (await capped({ maxOutputBytes: 20 })) as DriftlessError;
    expect(err.message).toContain('printed more than 20 bytes (the kustomize output cap)');
    expect(err.details.transient).toBe(false);
    const viaBuild = (await createKubectlKustomize({ tempDir: tempParent })
      .build({ root: 'app', files: files(cm), maxOutputBytes: 20 })
      .catch((e: unknown) => e)) as DriftlessError;
    expect(viaBuild.message).toContain('the kustomize output cap');
  });

  it('a kustomize timeout is transient', async () => {
    const err = (await capped({ timeoutMs: 1 })) as DriftlessError;
    expect(err.code).toBe('RENDER_FAILED');
    expect(err.message).toContain('did not finish within 1 ms (the kustomize time cap)');
    expect(err.details.transient).toBe(true);
  });

  it('under the caps the output is exactly what kustomize printed', async () => {
    expect(await capped({ memoryBytes: 512 * 1024 * 1024, maxOutputBytes: 1024, timeoutMs: 30_000 })).toBe('apiVersion: v1\ndata:\n  a: "1"\nkind: ConfigMap\nmetadata:\n  name: cfg\n');
  });

  it('rewrites temp paths in messages', () => {
    expect(rewriteTempPaths('error: open /tmp/x/repo/app/a.yaml: no such file; in /tmp/x/repo', '/tmp/x/repo')).toBe('open app/a.yaml: no such file; in .');
  });
});
