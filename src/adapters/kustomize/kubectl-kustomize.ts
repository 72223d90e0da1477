import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DriftlessError } from '../../core/errors.ts';
import type { KustomizeBuild, KustomizeRunner } from '../../render/kustomize-port.ts';
import { findTool } from '../../tools/binaries.ts';
import { boundedRun } from './bounded-run.ts';

/** Defaults of the caps on one kustomize run (README "Limits"). */
export const KUSTOMIZE_DEFAULTS = { timeoutMs: 60_000, memoryBytes: 512 * 1024 * 1024, maxOutputBytes: 64 * 1024 * 1024 } as const;

export interface KubectlKustomizeOptions {
  /** kubectl binary; default findTool('kubectl'). */
  kubectlPath?: string;
  /** Kill kustomize after this long (default 60 s); a timeout is transient. */
  timeoutMs?: number;
  /** Kill kustomize when its resident memory passes this (default 512 MiB); GOMEMLIMIT is set a little below. */
  memoryBytes?: number;
  /** Kill kustomize as soon as it prints more than this (default 64 MiB; the renderer's cap wins when smaller). */
  maxOutputBytes?: number;
  /** Parent of the temp folders (default the OS temp dir). */
  tempDir?: string;
}

/**
 * Without allowRemote, kustomize gets no way out: no PATH (so no git to clone with), and
 * every HTTP(S) request goes to a proxy on a closed local port.
 */
function kustomizeEnv(home: string, allowRemote: boolean, memoryBytes: number): NodeJS.ProcessEnv {
  // A soft limit below the hard cap: Go collects harder before the watcher has to kill it.
  const base: NodeJS.ProcessEnv = { HOME: home, KUBECONFIG: '/dev/null', GIT_TERMINAL_PROMPT: '0', LANG: 'C', GOMEMLIMIT: String(Math.floor(memoryBytes * 0.8)) };
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

const mib = (bytes: number): string => (bytes < 1024 * 1024 ? `${bytes} bytes` : `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`);
const seconds = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${ms / 1000} s`);

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
        const caps = {
          timeoutMs: options.timeoutMs ?? KUSTOMIZE_DEFAULTS.timeoutMs,
          memoryBytes: options.memoryBytes ?? KUSTOMIZE_DEFAULTS.memoryBytes,
          maxOutputBytes: Math.min(options.maxOutputBytes ?? KUSTOMIZE_DEFAULTS.maxOutputBytes, build.maxOutputBytes ?? Infinity),
        };
        const result = await boundedRun(kubectl, ['kustomize', target], { env: kustomizeEnv(home, build.allowRemote === true, caps.memoryBytes), cwd: repoDir }, caps);
        if (result.kind === 'missing') throw new DriftlessError('TOOL_MISSING', `kubectl not found at ${kubectl}.`);
        if (result.kind === 'exited' && result.code === 0) return result.stdout;
        const where = build.root === '' ? '.' : build.root;
        const fail = (message: string, transient: boolean): DriftlessError => new DriftlessError('RENDER_FAILED', `kustomize failed to build ${where}: ${message}`, { file: where, transient });
        switch (result.kind) {
          case 'timeout':
            throw fail(`it did not finish within ${seconds(caps.timeoutMs)} (the kustomize time cap); it may finish on a quieter run, or simplify the kustomization.`, true);
          case 'memory':
            throw fail(`it used more than ${mib(caps.memoryBytes)} of memory (the kustomize memory cap) and was stopped; reduce what the kustomization generates or raise render.kustomize.memoryMiB.`, false);
          case 'output':
            throw fail(`it printed more than ${mib(caps.maxOutputBytes)} (the kustomize output cap) and was stopped; split the app.`, false);
          default:
            throw fail(rewriteTempPaths(result.stderr || `kubectl exited with code ${result.code}`, repoDir), false);
        }
      } finally {
        await rm(temp, { recursive: true, force: true });
      }
    },
  };
}
