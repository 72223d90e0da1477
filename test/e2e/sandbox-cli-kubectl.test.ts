import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findTool } from '../../src/tools/binaries.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Run { code: number; stdout: string; stderr: string }

const deploymentYaml = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.25"}]
`;

describe('driftless sandbox (HTTPS, controllers on) driven by kubectl', () => {
  it('kubectl get ns works with the written kubeconfig, and an applied Deployment shows READY 1/1 within about 5 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-cli-kubectl-'));
    const kubeconfig = join(dir, 'x.kubeconfig');
    const kubectlPath = findTool('kubectl').path;
    const kubectl = (args: string[], stdin?: string): Promise<Run> => new Promise((done) => {
      const child = execFile(kubectlPath, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
    const child = spawn(join(repoRoot, 'bin/driftless'), ['sandbox', '--port', '0', '--kubeconfig', kubeconfig], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      for (let i = 0; i < 600 && !out.includes('export KUBECONFIG='); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toMatch(/listening on https:\/\/127\.0\.0\.1:\d+/);

      const ns = await kubectl(['get', 'ns']);
      expect(ns.stderr).toBe('');
      expect(ns.code).toBe(0);
      expect(ns.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
      expect(ns.stdout).toMatch(/^default\s+Active\s+/m);
      expect(ns.stdout).toMatch(/^kube-system\s+Active\s+/m);

      const applied = await kubectl(['apply', '-f', '-'], deploymentYaml);
      expect(applied.stdout).toContain('deployment.apps/web created');
      const started = Date.now();
      let table = '';
      while (Date.now() - started < 20_000) {
        table = (await kubectl(['get', 'deploy'])).stdout;
        if (/^web\s+1\/1\s+1\s+1\s+/m.test(table)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(table.split('\n')[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
      expect(table).toMatch(/^web\s+1\/1\s+1\s+1\s+/m);
      // Pods become ready after the controllers' default 2 s; the rest is kubectl start-up, which
      // takes seconds per call on a loaded 2-core CI machine, hence the wide bound.
      expect(Date.now() - started).toBeLessThan(12_000);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
