import { spawn, type ChildProcess } from 'node:child_process';
import { gitEnv, type BatchObject, type GitFailure } from './git.ts';

/**
 * One `git cat-file --batch` process kept open while reads keep coming: a drift run renders 50
 * apps from one tree at different moments, and a process per app's render was a measurable share
 * of the run (spawning from a large Node process is not cheap). The process ends `idleMs` after
 * the last read is answered, so nothing stays behind between runs.
 */
export interface CatFileSession {
  /** Objects by name (sha); names git reports missing are absent from the map. Rejects with a GitFailure. */
  read(names: readonly string[]): Promise<Map<string, BatchObject>>;
  /** git processes started so far. */
  readonly processes: number;
}

interface Waiter {
  names: readonly string[];
  next: number;
  result: Map<string, BatchObject>;
  resolve: (objects: Map<string, BatchObject>) => void;
  reject: (failure: GitFailure) => void;
}

export function createCatFileSession(repo: string, idleMs = 50): CatFileSession {
  let child: ChildProcess | undefined;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const waiting: Waiter[] = [];
  let chunks: Buffer[] = [];
  let buffered = 0;
  // Bytes the head object still needs: chunks are joined only once it can be answered (no quadratic copying of big blobs).
  let needed = 0;
  let processes = 0;

  const take = (): Buffer => {
    const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
    chunks = [joined];
    return joined;
  };
  const consume = (bytes: number): void => {
    const rest = take().subarray(bytes);
    chunks = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
  };

  function drain(): void {
    while (waiting.length > 0) {
      const head = waiting[0]!;
      if (head.next === head.names.length) {
        waiting.shift();
        head.resolve(head.result);
        continue;
      }
      if (buffered === 0) return;
      const data = take();
      const newline = data.indexOf(0x0a);
      if (newline < 0) return;
      const header = data.subarray(0, newline).toString('utf8');
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        consume(newline + 1);
        head.next++;
        continue;
      }
      const [sha = '', type = '', sizeText = '0'] = header.split(' ');
      const size = Number(sizeText);
      const end = newline + 1 + size + 1;
      if (data.length < end) {
        needed = end;
        return;
      }
      needed = 0;
      // Copied out, so the joined buffer can go as soon as the rest is consumed.
      head.result.set(head.names[head.next]!, { sha, type, content: Buffer.from(data.subarray(newline + 1, newline + 1 + size)) });
      consume(end);
      head.next++;
    }
    if (child && !idle) {
      const done = child;
      idle = setTimeout(() => {
        idle = undefined;
        if (child === done && waiting.length === 0) {
          child = undefined;
          done.stdin?.end();
        }
      }, idleMs);
      idle.unref?.();
    }
  }

  function fail(proc: ChildProcess, failure: GitFailure): void {
    if (child !== proc) return;
    child = undefined;
    chunks = [];
    buffered = 0;
    needed = 0;
    for (const waiter of waiting.splice(0)) waiter.reject(failure);
  }

  function start(): ChildProcess {
    processes++;
    const proc = spawn('git', ['-C', repo, 'cat-file', '--batch'], { env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const errors: Buffer[] = [];
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (child !== proc) return;
      chunks.push(chunk);
      buffered += chunk.length;
      if (buffered >= needed) drain();
    });
    proc.stderr!.on('data', (chunk: Buffer) => errors.push(chunk));
    proc.on('error', (error: NodeJS.ErrnoException) => fail(proc, { code: error.code ?? null, stderr: error.message }));
    proc.on('close', (code) => fail(proc, { code, stderr: Buffer.concat(errors).toString('utf8').trim() || `git cat-file exited with ${code} before answering` }));
    proc.stdin!.on('error', () => undefined);
    return proc;
  }

  return {
    get processes() {
      return processes;
    },
    read(names) {
      if (names.length === 0) return Promise.resolve(new Map());
      if (idle) {
        clearTimeout(idle);
        idle = undefined;
      }
      child ??= start();
      const proc = child;
      return new Promise((resolve, reject) => {
        waiting.push({ names, next: 0, result: new Map(), resolve, reject });
        proc.stdin!.write(names.map((name) => `${name}\n`).join(''));
      });
    },
  };
}
