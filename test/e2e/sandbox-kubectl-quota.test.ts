import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { findTool } from '../../src/tools/binaries.ts';

interface Run { code: number; stdout: string; stderr: string }

describe('ResourceQuota with kubectl 1.34', () => {
  let sb: Sandbox;
  let dir: string;
  let kubeconfig: string;
  const kubectlPath = findTool('kubectl').path;
  const kubectl = (args: string[]): Promise<Run> => new Promise((resolve) => {
    execFile(kubectlPath, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
  const until = async (args: string[], ok: (r: Run) => boolean): Promise<Run> => {
    let r = await kubectl(args);
    for (let i = 0; i < 50 && !ok(r); i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await kubectl(args);
    }
    return r;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-quota-'));
    kubeconfig = join(dir, 'kubeconfig');
    sb = await startSandbox({ kubeconfigPath: kubeconfig });
  });
  afterAll(() => sb.stop());

  it('kubectl create quota, then a create past it fails with the real message; describe shows used and hard', async () => {
    expect((await kubectl(['create', 'namespace', 'team'])).code).toBe(0);
    expect((await kubectl(['create', 'quota', 'small', '-n', 'team', '--hard=pods=1,services=1,limits.memory=1Gi'])).code).toBe(0);
    expect((await kubectl(['run', 'one', '-n', 'team', '--image=nginx', '--overrides={"spec":{"containers":[{"name":"one","image":"nginx","resources":{"limits":{"memory":"512Mi"}}}]}}'])).code).toBe(0);
    const bare = await kubectl(['run', 'bare', '-n', 'team', '--image=nginx']);
    expect(bare.stderr).toContain('Error from server (Forbidden): pods "bare" is forbidden: failed quota: small: must specify limits.memory for: bare');
    const over = await kubectl(['run', 'two', '-n', 'team', '--image=nginx', '--overrides={"spec":{"containers":[{"name":"two","image":"nginx","resources":{"limits":{"memory":"256Mi"}}}]}}']);
    expect(over.code).not.toBe(0);
    expect(over.stderr).toContain('Error from server (Forbidden): pods "two" is forbidden: exceeded quota: small, requested: pods=1, used: pods=1, limited: pods=1');
    const described = await until(['describe', 'quota', 'small', '-n', 'team'], (r) => /pods\s+1\s+1/.test(r.stdout));
    expect(described.stdout).toMatch(/Resource\s+Used\s+Hard/);
    expect(described.stdout).toMatch(/limits\.memory\s+512Mi\s+1Gi/);
    expect(described.stdout).toMatch(/pods\s+1\s+1/);
    expect(described.stdout).toMatch(/services\s+0\s+1/);
  });

  it('a Deployment in a namespace with a pods quota gets FailedCreate events with the message', async () => {
    expect((await kubectl(['create', 'namespace', 'capped'])).code).toBe(0);
    const quota = join(dir, 'quota.yaml');
    writeFileSync(quota, 'apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: two-pods, namespace: capped}\nspec: {hard: {pods: "2"}}\n');
    expect((await kubectl(['apply', '-f', quota])).code).toBe(0);
    expect((await kubectl(['create', 'deployment', 'web', '-n', 'capped', '--image=nginx', '--replicas=3'])).code).toBe(0);
    const events = await until(['get', 'events', '-n', 'capped', '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}'], (r) => r.stdout.includes('exceeded quota'));
    expect(events.stdout).toMatch(/Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: two-pods, requested: pods=1, used: pods=2, limited: pods=2/);
    const pods = await kubectl(['get', 'pods', '-n', 'capped', '-o', 'name']);
    expect(pods.stdout.trim().split('\n')).toHaveLength(2);
  });
});
