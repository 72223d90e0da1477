import { describe, expect, it } from 'vitest';
import { DriftlessError } from '../../src/core/errors.ts';
import type { ProgressEvent } from '../../src/core/progress.ts';
import type { KustomizeRunner } from '../../src/render/kustomize-port.ts';
import { createRenderer } from '../../src/render/renderer.ts';
import { diffApp, syncApp } from '../../src/sync/sync.ts';
import type { SyncDeps } from '../../src/sync/sync.ts';
import { memoryTree, type MemoryEntry } from '../support/memory-tree.ts';
import { appConfig, Fake } from './fixtures.ts';

const unused: KustomizeRunner = { build: () => Promise.reject(new Error('kustomize is not used here')) };

function deps(fake: Fake, files: Record<string, MemoryEntry>): SyncDeps {
  const tree = memoryTree(files);
  return { ...fake.deps(), source: { resolve: async (ref) => ({ ref, sha: tree.revision.sha }), tree: async () => tree }, renderer: createRenderer({ kustomize: unused }) };
}

// Not base64: a real API server refuses it with 400 (Argo CD CVE-2025-23216: servers and tools quote such bytes back).
const badData = 'hunter2!not-base64';
const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\ndata:\n  password: "${badData}"\nstringData:\n  token: tok-3f9a1c\n`;

/** A cluster answer that quotes the bytes it could not decode, and another that quotes a stringData value. */
function echoingCluster(fake: Fake): void {
  fake.cluster.failApply = (object) =>
    object.kind === 'Secret'
      ? new DriftlessError('APPLY_FAILED', `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 7 in "${badData}" (stringData.token: "tok-3f9a1c")`, { status: 400, object: 'Secret shop/db', echoed: badData })
      : undefined;
}

describe('sync scrubs what the cluster quotes back', () => {
  it('a preflight 400 quoting a Secret value: SyncResult, progress and the thrown diff error hold no value', async () => {
    const fake = new Fake();
    // The namespace exists already, so the Secret gets a server dry run in preflight.
    fake.set([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }]);
    await syncApp(fake.deps(), appConfig());
    echoingCluster(fake);
    const events: ProgressEvent[] = [];
    const result = await syncApp(deps(fake, { 'app/secret.yaml': secret }), appConfig(), { onProgress: (e) => events.push(e) });
    expect(result.status).toBe('Failed');
    expect(result.errors[0]!.message).toContain('illegal base64 data at input byte 7 in "<redacted>"');
    const everything = JSON.stringify({ result, events });
    expect(everything).not.toContain(badData);
    expect(everything).not.toContain('tok-3f9a1c');
    expect(everything).not.toContain(Buffer.from('tok-3f9a1c').toString('base64'));

    const err = await diffApp(deps(fake, { 'app/secret.yaml': secret }), appConfig()).then(
      () => undefined,
      (e: unknown) => e as DriftlessError,
    );
    expect(err?.message).toContain('illegal base64 data at input byte 7 in "<redacted>"');
    expect(JSON.stringify({ message: err?.message, details: err?.details })).not.toMatch(/hunter2|tok-3f9a1c/);
  });

  it('an apply error (after a passing preflight) quoting a Secret value is scrubbed in the result and the object message', async () => {
    const fake = new Fake();
    fake.cluster.failApply = (object, options) =>
      object.kind === 'Secret' && !options.dryRun ? new DriftlessError('APPLY_FAILED', 'admission webhook "check" denied: token "tok-3f9a1c" is weak', { status: 400 }) : undefined;
    const events: ProgressEvent[] = [];
    const result = await syncApp(deps(fake, { 'app/secret.yaml': secret.replace(`"${badData}"`, Buffer.from('x').toString('base64')) }), appConfig(), { onProgress: (e) => events.push(e) });
    expect(result.status).toBe('Failed');
    expect(result.errors.map((e) => e.message).join('\n')).toContain('token "<redacted>" is weak');
    expect(JSON.stringify({ result, events })).not.toContain('tok-3f9a1c');
  });

  it("a refusal quoting the live Secret's current value (not in Git any more) is scrubbed too", async () => {
    const fake = new Fake();
    const withValue = (value: string): string => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\ndata:\n  password: ${Buffer.from(value).toString('base64')}\n`;
    expect((await syncApp(deps(fake, { 'app/secret.yaml': withValue('live-old-password') }), appConfig())).status).toBe('Synced');
    fake.cluster.failApply = (object) => (object.kind === 'Secret' ? new DriftlessError('APPLY_FAILED', 'Secret "db" is immutable: data.password was "live-old-password"', { status: 422 }) : undefined);
    const result = await syncApp(deps(fake, { 'app/secret.yaml': withValue('new-password') }), appConfig());
    expect(result.status).toBe('Failed');
    expect(result.errors[0]!.message).toContain('was "<redacted>"');
    expect(JSON.stringify(result)).not.toContain('live-old-password');
  });
});
