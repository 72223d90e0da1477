import { execFile, type ExecFileException } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DriftlessError } from '../../core/errors.ts';
import type { KustomizeBuild, KustomizeRunner } from '../../render/kustomize-port.ts';
import { findTool } from '../../tools/binaries.ts';

export interface KubectlKustomizeOptions {
  /** kubectl binary; default findTool('kubectl'). */
  kubectlPath?: string;
  /** Kill kustomize after this long (default 60 s). */
  timeoutMs?: number;
  /** Parent of the temp folders (default the OS temp dir). */
  tempDir?: string;
}

/**
 * Without allowRemote, kustomize gets no way out: no PATH (so no git to clone with), and
 * every HTTP(S) request goes to a proxy on a closed local port.
 */
function kustomizeEnv(home: string, allowRemote: boolean): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { HOME: home, KUBECONFIG: '/dev/null', GIT_TERMINAL_PROMPT: '0', LANG: 'C' };
  if (allowRemote) {
    const passed = Object.entries(process.env).filter(([key, value]) => value !== undefined && /^(PATH|HTTPS?_PROXY|NO_PROXY|SSL_CERT_(FILE|DIR))$/i.test(key));
    return { ...base, ...Object.fromEntries(passed) };
  }
  return { ...base, PATH: '', HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '', GIT_ALLOW_PROTOCOL: 'none' };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** kustomize names temp paths; users know repository paths. */
export function rewriteTempPaths(message: string, repoDir: string): string {
  return message
    .replace(new RegExp(`${escapeRegExp(repoDir)}/`, 'g'), '')
    .replace(new RegExp(escapeRegExp(repoDir), 'g'), '.')
    .replace(/^error: /, '')
    .trim();
}

function run(kubectl: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<{ stdout: string; stderr: string; error?: ExecFileException }> {
  return new Promise((resolve) => {
    execFile(kubectl, args, { env, cwd, timeout: timeoutMs, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve(error ? { stdout, stderr, error } : { stdout, stderr });
    });
  });
}

export function createKubectlKustomize(options: KubectlKustomizeOptions = {}): KustomizeRunner {
  return {
    async build(build: KustomizeBuild): Promise<string> {
      const kubectl = options.kubectlPath ?? findTool('kubectl').path;
      const temp = await realpath(await mkdtemp(join(options.tempDir ?? tmpdir(), 'driftless-kustomize-')));
      try {
        const repoDir = join(temp, 'repo');
        const home = join(temp, 'home');
        await mkdir(home, { recursive: true });
        await mkdir(repoDir, { recursive: true });
        const dirs = new Set<string>();
        for (const path of build.files.keys()) dirs.add(dirname(join(repoDir, path)));
        await Promise.all([...dirs].map((dir) => mkdir(dir, { recursive: true })));
        await Promise.all([...build.files].map(([path, bytes]) => writeFile(join(repoDir, path), bytes, { flag: 'wx' })));
        const target = build.root === '' ? repoDir : join(repoDir, build.root);
        await mkdir(target, { recursive: true });
        const result = await run(kubectl, ['kustomize', target], kustomizeEnv(home, build.allowRemote === true), repoDir, options.timeoutMs ?? 60_000);
        if (!result.error) return result.stdout;
        if (result.error.code === 'ENOENT') throw new DriftlessError('TOOL_MISSING', `kubectl not found at ${kubectl}.`);
        const timedOut = result.error.killed === true || result.error.signal === 'SIGTERM';
        const message = timedOut ? `kustomize did not finish within ${options.timeoutMs ?? 60_000} ms` : rewriteTempPaths(result.stderr || result.error.message, repoDir);
        const where = build.root === '' ? '.' : build.root;
        throw new DriftlessError('RENDER_FAILED', `kustomize failed to build ${where}: ${message}`, { file: where, transient: timedOut });
      } finally {
        await rm(temp, { recursive: true, force: true });
      }
    },
  };
}
