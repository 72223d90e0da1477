import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestRepo } from '../support/github-standin/fixture.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

describe('driftless serve (CLI process)', () => {
  it('listens on 127.0.0.1, answers /healthz and the API, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'driftless-serve-cli-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const repo = createTestRepo({ 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n' });
    cleanup.push(() => repo.remove());
    writeFileSync(path.join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    writeFileSync(path.join(dir, 'driftless.yaml'), [
      'repositories:', `  demo: { git: ${JSON.stringify(repo.dir)} }`,
      'clusters:', '  local: { kubeconfig: { file: ./kubeconfig } }',
      'apps:', '  - { name: web, repository: demo, branch: main, path: apps/web, cluster: local, namespace: web }',
      'server:', '  webhookSecret: { env: SERVE_CLI_SECRET }', '  apiTokens: { env: SERVE_CLI_TOKENS }', '  pollInterval: 1h', '',
    ].join('\n'));
    const dataDir = path.join(dir, 'data');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'serve', '--config', path.join(dir, 'driftless.yaml'), '--port', '0', '--data-dir', dataDir], {
      cwd: repoRoot, env: { ...process.env, SERVE_CLI_SECRET: 's3cret', SERVE_CLI_TOKENS: 'tok1,tok2' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/apps`)).status).toBe(401);
    const apps = (await (await fetch(`${url}/apps`, { headers: { authorization: 'Bearer tok2' } })).json()) as { apps: Array<{ name: string }> };
    expect(apps.apps.map((a) => a.name)).toEqual(['web']);
    expect(existsSync(path.join(dataDir, 'state.db'))).toBe(true);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM');
    expect(stderr).not.toContain('s3cret');
    expect(stderr).not.toContain('tok1');
  });

  it('locks its data directory, and SIGTERM drains for the grace period then exits with a slow client connected', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'driftless-serve-stop-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const repo = createTestRepo({ 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n' });
    cleanup.push(() => repo.remove());
    writeFileSync(path.join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    const configFile = path.join(dir, 'driftless.yaml');
    writeFileSync(configFile, [
      'repositories:', `  demo: { git: ${JSON.stringify(repo.dir)} }`,
      'clusters:', '  local: { kubeconfig: { file: ./kubeconfig } }',
      'apps:', '  - { name: web, repository: demo, branch: main, path: apps/web, cluster: local, namespace: web }',
      'server:', '  webhookSecret: { env: SERVE_CLI_SECRET }', '  apiTokens: { env: SERVE_CLI_TOKENS }', '  pollInterval: 1h', '',
    ].join('\n'));
    const dataDir = path.join(dir, 'data');
    const run = (): { child: ChildProcessWithoutNullStreams; output: { stdout: string; stderr: string }; exited: Promise<number | null> } => {
      const child = spawn(path.join(repoRoot, 'bin/driftless'), ['serve', '--config', configFile, '--port', '0', '--data-dir', dataDir, '--shutdown-grace', '2'], {
        cwd: repoRoot, env: { ...process.env, SERVE_CLI_SECRET: 's3cret', SERVE_CLI_TOKENS: 'tok1' },
      });
      cleanup.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
      const output = { stdout: '', stderr: '' };
      child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
      return { child, output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
    };

    const first = run();
    const url = await new Promise<string>((resolve, reject) => {
      first.child.stdout.on('data', () => {
        const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(first.output.stdout);
        if (m) resolve(m[1]!);
      });
      void first.exited.then((code) => reject(new Error(`serve exited ${code}: ${first.output.stderr}`)));
    });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dataDir, 'state.db')).mode & 0o777).toBe(0o600);

    const second = run();
    expect(await second.exited).not.toBe(0);
    expect(second.output.stderr).toContain(`data directory ${dataDir} is in use by another driftless serve (pid ${first.child.pid})`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // A client that sends its headers and then trickles a body, byte by byte, for ever.
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    cleanup.push(() => void socket.destroy());
    socket.on('error', () => {});
    socket.write(['POST /webhooks/github HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'X-GitHub-Event: push', 'X-GitHub-Delivery: slow-1', 'X-Hub-Signature-256: sha256=00', 'Content-Length: 100000', '', '{'].join('\r\n'));
    const trickle = setInterval(() => socket.write(' '), 100);
    cleanup.push(() => clearInterval(trickle));
    await new Promise((r) => setTimeout(r, 300));

    const started = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(8000);
    expect(first.output.stderr).toContain('SIGTERM, no longer accepting');
    expect(first.output.stderr).toContain('work cut off resumes at the next start');
    expect(existsSync(path.join(dataDir, 'serve.lock'))).toBe(false);
    // Two CLI processes start here (tsx compiles on each): slow on a loaded two-core machine.
  }, 120_000);
});
