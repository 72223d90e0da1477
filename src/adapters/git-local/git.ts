import { execFile, spawn } from 'node:child_process';
import { DriftlessError } from '../../core/errors.ts';

/** Git must never prompt or read a pager in a server. */
export const gitEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' });

export interface GitFailure {
  code: number | string | null;
  stderr: string;
}

/** Runs `git -C repo args…` (no shell); resolves stdout, rejects with a GitFailure. */
export function git(repo: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', repo, ...args], { env: gitEnv(), encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject({ code: error.code ?? null, stderr: stderr.toString('utf8').trim() || error.message } satisfies GitFailure);
      else resolve(stdout);
    });
  });
}

export function isGitFailure(err: unknown): err is GitFailure {
  return typeof err === 'object' && err !== null && 'stderr' in err && 'code' in err;
}

/** A repository that cannot be read at all (missing, not a repository, git absent) is SOURCE_UNAVAILABLE. */
export function unavailable(repo: string, err: unknown): DriftlessError {
  const failure = isGitFailure(err) ? err : { code: null, stderr: String(err) };
  const reason = failure.code === 'ENOENT' ? 'git is not installed (not on PATH)' : failure.stderr;
  // A missing repository or git binary stays missing: permanent, a retry would only repeat the failure.
  return new DriftlessError('SOURCE_UNAVAILABLE', `Cannot read the git repository ${repo}: ${reason}`, { repository: repo, transient: false });
}

export interface BatchObject {
  sha: string;
  type: string;
  content: Buffer;
}

/**
 * `git cat-file --batch`: many objects in one process. The output is
 * "<sha> <type> <size>\n<content>\n" per object, or "<name> missing\n".
 */
export function catFileBatch(repo: string, names: string[]): Promise<Map<string, BatchObject>> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repo, 'cat-file', '--batch'], { env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => reject({ code: error.code ?? null, stderr: error.message } satisfies GitFailure));
    child.on('close', (code) => {
      if (code !== 0) {
        reject({ code, stderr: Buffer.concat(errors).toString('utf8').trim() } satisfies GitFailure);
        return;
      }
      const out = Buffer.concat(chunks);
      const result = new Map<string, BatchObject>();
      let offset = 0;
      for (const name of names) {
        const newline = out.indexOf(0x0a, offset);
        if (newline < 0) break;
        const header = out.subarray(offset, newline).toString('utf8');
        offset = newline + 1;
        if (header.endsWith(' missing') || header.endsWith(' ambiguous')) continue;
        const [sha = '', type = '', sizeText = '0'] = header.split(' ');
        const size = Number(sizeText);
        result.set(name, { sha, type, content: out.subarray(offset, offset + size) });
        offset += size + 1;
      }
      resolve(result);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(names.map((name) => `${name}\n`).join(''));
  });
}

/** The top folder of the work tree holding `dir`, or undefined when `dir` is not inside one. */
export async function gitTopLevel(dir: string): Promise<string | undefined> {
  try {
    const top = (await git(dir, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
    return top === '' ? undefined : top;
  } catch {
    return undefined;
  }
}
