import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { vi } from 'vitest';
import { stringify } from 'yaml';
import type { Sandbox } from '../../sandbox/index.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { createLocalGitSource } from '../../src/adapters/git-local/local-git-source.ts';
import { createKubernetesCluster } from '../../src/adapters/kubernetes/client.ts';
import { createKubectlKustomize } from '../../src/adapters/kustomize/kubectl-kustomize.ts';
import { retryingCluster } from '../../src/apply/retrying.ts';
import { createRenderer } from '../../src/render/renderer.ts';
import type { SyncDeps } from '../../src/sync/sync.ts';
import { testKeyring } from '../support/keyring.ts';

export interface Counts {
  total: number;
  byVerb: Record<string, number>;
  writes: number;
  dryRun: number;
  discovery: number;
}

function call(sb: Sandbox, method: string, urlPath: string, body?: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(urlPath, sb.url);
    const req = request(url, { method, ca: sb.caPem, headers: { authorization: `Bearer ${sb.adminToken}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve(text) : reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export async function requests(sb: Sandbox): Promise<Counts> {
  return JSON.parse(await call(sb, 'GET', '/_sandbox/requests')) as Counts;
}

export async function resetRequests(sb: Sandbox): Promise<void> {
  await call(sb, 'POST', '/_sandbox/requests/reset');
}

export async function addFault(sb: Sandbox, fault: Record<string, unknown>): Promise<void> {
  await call(sb, 'POST', '/_sandbox/faults', fault);
}

export async function clearFaults(sb: Sandbox): Promise<void> {
  await call(sb, 'DELETE', '/_sandbox/faults');
}

/** Raw POST against the API server as admin (for setting up what a cluster admin would). */
export async function postJson(sb: Sandbox, apiPath: string, object: KubeObject): Promise<void> {
  await call(sb, 'POST', apiPath, object);
}

/** Raw GET against the API server (for assertions on live state). */
export async function getJson(sb: Sandbox, apiPath: string): Promise<KubeObject | undefined> {
  try {
    return JSON.parse(await call(sb, 'GET', apiPath)) as KubeObject;
  } catch (err) {
    if (String(err).includes(': 404')) return undefined;
    throw err;
  }
}

/** A throwaway git repository; `commit` replaces the tracked files under `app/`. */
export class GitRepo {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'driftless-sync-'));

  constructor() {
    this.git('init', '-q', '-b', 'main');
  }

  private git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: this.dir, encoding: 'utf8' }).trim();
  }

  commit(files: Record<string, KubeObject[] | string>): string {
    rmSync(path.join(this.dir, 'app'), { recursive: true, force: true });
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(this.dir, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, typeof content === 'string' ? content : content.map((o) => stringify(o)).join('---\n'));
    }
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', 'change');
    return this.git('rev-parse', 'HEAD');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const repoRoot = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../..');

/** Runs the real CLI in a child process (async, so an in-process sandbox keeps answering). */
export function cli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFileCb(process.execPath, ['--import', path.join(repoRoot, 'node_modules/tsx/dist/esm/index.mjs'), path.join(repoRoot, 'src/cli/main.ts'), ...args], { cwd: options.cwd, encoding: 'utf8', env: { ...process.env, ...options.env } }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A driftless.yaml next to the repository and the sandbox kubeconfig, with one app per entry. */
export function writeConfig(dir: string, kubeconfig: string, apps: Array<Record<string, unknown>>): string {
  writeFileSync(path.join(dir, 'sandbox.kubeconfig'), kubeconfig);
  const file = path.join(dir, 'driftless.yaml');
  writeFileSync(file, stringify({ repositories: { demo: { git: './repo' } }, clusters: { sandbox: { kubeconfig: { file: './sandbox.kubeconfig' } } }, apps }));
  return file;
}

/** Runs one registered command in process (fast), capturing stdout, stderr and the exit code it sets. */
export async function runInProcess(register: (program: Command) => void, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('driftless').exitOverride();
  register(program);
  let stdout = '';
  let stderr = '';
  const decode = (chunk: string | Uint8Array): string => (typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += decode(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += decode(chunk)), true));
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'driftless', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  return { code, stdout, stderr };
}

/** Real adapters against the sandbox and a local repository: what every sync e2e test syncs with. */
export function sandboxDeps(sb: Sandbox, repo: GitRepo, options: { context?: string; attempts?: number; pollMs?: number } = {}): SyncDeps {
  const client = createKubernetesCluster(sb.kubeconfig, options.context ? { context: options.context } : {});
  const cluster = retryingCluster(client, options.attempts ? { policy: { attempts: options.attempts, baseMs: 1, maxMs: 5 } } : {});
  return { source: createLocalGitSource(repo.dir), renderer: createRenderer({ kustomize: createKubectlKustomize() }), cluster, keyring: testKeyring, pollMs: options.pollMs ?? 20 };
}
