import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Bounds on one tool run: wall time, resident memory, and what it may print. */
export interface RunCaps {
  timeoutMs: number;
  /** Hard cap on resident memory (RSS), in bytes. */
  memoryBytes: number;
  /** Largest stdout kept, in bytes: the run is killed as soon as it prints more. */
  maxOutputBytes: number;
}

export type RunOutcome =
  | { kind: 'exited'; code: number; stdout: string; stderr: string }
  | { kind: 'timeout' | 'memory' | 'output'; stderr: string; peakBytes?: number }
  | { kind: 'missing' };

/** stderr beyond this is dropped: it only ever feeds an error message. */
const MAX_STDERR = 64 * 1024;
const RSS_POLL_MS = 50;

/** Resident memory of a process from /proc (Linux); undefined where there is no /proc or it has exited. */
async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a Go tool with three hard bounds, killing it (SIGKILL) the moment one is passed: no output
 * is buffered past its cap, and no run outlives its time. Memory is held two ways: GOMEMLIMIT (in
 * the env the caller passes) makes Go collect harder as it nears the cap, and the child's RSS is
 * polled from /proc, because RLIMIT_AS would break Go (it reserves far more address space than it
 * uses). Without /proc (macOS) only GOMEMLIMIT and the time cap apply.
 */
export function boundedRun(file: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string }, caps: RunCaps): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let stopped: { kind: 'timeout' | 'memory' | 'output'; peakBytes?: number } | undefined;
    let polling: NodeJS.Timeout | undefined;
    const stop = (kind: 'timeout' | 'memory' | 'output', peakBytes?: number): void => {
      if (stopped) return;
      stopped = peakBytes === undefined ? { kind } : { kind, peakBytes };
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop('timeout'), caps.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped) return;
      outBytes += chunk.byteLength;
      if (outBytes > caps.maxOutputBytes) return stop('output');
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += chunk.toString('utf8').slice(0, MAX_STDERR - stderr.length);
    });
    const poll = async (): Promise<void> => {
      if (stopped || child.pid === undefined || child.exitCode !== null) return;
      const rss = await residentBytes(child.pid);
      if (rss !== undefined && rss > caps.memoryBytes) return stop('memory', rss);
      polling = setTimeout(() => void poll(), RSS_POLL_MS);
    };
    child.on('spawn', () => void poll());
    const finish = (outcome: RunOutcome): void => {
      clearTimeout(timer);
      clearTimeout(polling);
      resolve(outcome);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') finish({ kind: 'missing' });
      else finish({ kind: 'exited', code: -1, stdout: '', stderr: err.message });
    });
    child.on('close', (code) => {
      if (stopped) finish({ ...stopped, stderr });
      else finish({ kind: 'exited', code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}
