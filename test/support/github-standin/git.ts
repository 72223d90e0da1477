import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/** Thin async wrapper over the git CLI against one real repository (read-only use). */
export interface GitRepo {
  readonly dir: string;
  run(args: string[]): Promise<string>;
  runBuffer(args: string[]): Promise<Buffer>;
  /** Resolves anything git understands to an object of the given type, or undefined. */
  peel(rev: string, type: 'commit' | 'tree'): Promise<string | undefined>;
  objectType(sha: string): Promise<string | undefined>;
  exists(rev: string): Promise<boolean>;
  /** Reads an object through one long-lived `git cat-file --batch` (objects are immutable, so cached). */
  object(sha: string): Promise<{ type: string; data: Buffer } | undefined>;
  close(): void;
}

/** One `git cat-file --batch` process answering requests in order. */
function batchReader(dir: string): { read(sha: string): Promise<{ type: string; data: Buffer } | undefined>; close(): void } {
  let proc: ChildProcessWithoutNullStreams | undefined;
  const queue: Array<(r: { type: string; data: Buffer } | undefined) => void> = [];
  let buffer = Buffer.alloc(0);
  const drain = (): void => {
    for (;;) {
      const nl = buffer.indexOf(10);
      if (nl < 0 || queue.length === 0) return;
      const header = buffer.subarray(0, nl).toString('utf8').split(' ');
      if (header[1] === 'missing' || header.length < 3) {
        buffer = buffer.subarray(nl + 1);
        queue.shift()!(undefined);
        continue;
      }
      const size = Number(header[2]);
      if (buffer.length < nl + 1 + size + 1) return;
      const data = Buffer.from(buffer.subarray(nl + 1, nl + 1 + size));
      buffer = buffer.subarray(nl + 1 + size + 1);
      queue.shift()!({ type: header[1]!, data });
    }
  };
  const start = (): ChildProcessWithoutNullStreams => {
    const p = spawn('git', ['cat-file', '--batch'], { cwd: dir });
    p.stdout.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      drain();
    });
    p.on('exit', () => {
      proc = undefined;
      while (queue.length) queue.shift()!(undefined);
    });
    return p;
  };
  return {
    read(sha) {
      if (!/^[0-9a-f]{40}$/.test(sha)) return Promise.resolve(undefined);
      proc ??= start();
      const p = proc;
      return new Promise((resolve) => {
        queue.push(resolve);
        p.stdin.write(`${sha}\n`);
      });
    },
    close() {
      proc?.stdin.end();
      proc?.kill();
      proc = undefined;
    },
  };
}

export interface RawCommit {
  sha: string;
  tree: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
}

export interface RawTreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size?: number;
  path: string;
}

export interface RawDiffEntry {
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed';
  filename: string;
  previous_filename?: string;
}

export function openRepo(dir: string): GitRepo {
  const runBuffer = (args: string[]): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      execFile('git', args, { cwd: dir, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(Object.assign(err, { stderr: stderr.toString('utf8') }));
        else resolve(stdout);
      });
    });
  const run = async (args: string[]): Promise<string> => (await runBuffer(args)).toString('utf8');
  const peel = async (rev: string, type: 'commit' | 'tree'): Promise<string | undefined> => {
    if (rev.startsWith('-')) return undefined;
    try {
      return (await run(['rev-parse', '--verify', '--quiet', `${rev}^{${type}}`])).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const objectType = async (sha: string): Promise<string | undefined> => {
    if (!/^[0-9a-f]{4,40}$/.test(sha)) return undefined;
    try {
      return (await run(['cat-file', '-t', sha])).trim();
    } catch {
      return undefined;
    }
  };
  const exists = async (rev: string): Promise<boolean> => (await peel(rev, 'commit')) !== undefined;
  const reader = batchReader(dir);
  const objects = new Map<string, { type: string; data: Buffer }>();
  const object = async (sha: string): Promise<{ type: string; data: Buffer } | undefined> => {
    const hit = objects.get(sha);
    if (hit) return hit;
    const found = await reader.read(sha);
    if (found) objects.set(sha, found);
    return found;
  };
  return { dir, run, runBuffer, peel, objectType, exists, object, close: () => reader.close() };
}

function person(line: string): { name: string; email: string; date: string } {
  const m = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line);
  if (!m) return { name: line, email: '', date: new Date(0).toISOString() };
  return { name: m[1]!, email: m[2]!, date: new Date(Number(m[3]) * 1000).toISOString().replace('.000Z', 'Z') };
}

export async function readCommit(repo: GitRepo, sha: string): Promise<RawCommit> {
  const text = await repo.run(['cat-file', 'commit', sha]);
  const split = text.indexOf('\n\n');
  const header = text.slice(0, split).split('\n');
  const commit: RawCommit = { sha, tree: '', parents: [], author: person(''), committer: person(''), message: text.slice(split + 2) };
  for (const line of header) {
    const [key, ...rest] = line.split(' ');
    const value = rest.join(' ');
    if (key === 'tree') commit.tree = value;
    else if (key === 'parent') commit.parents.push(value);
    else if (key === 'author') commit.author = person(value);
    else if (key === 'committer') commit.committer = person(value);
  }
  return commit;
}

/** `git ls-tree` with trees included; recursive like GitHub's `?recursive=1`. */
export async function listTree(repo: GitRepo, treeSha: string, recursive: boolean): Promise<RawTreeEntry[]> {
  const args = ['ls-tree', '-l', '-z', '--full-tree'];
  if (recursive) args.push('-r', '-t');
  const out = await repo.run([...args, treeSha]);
  const entries: RawTreeEntry[] = [];
  for (const record of out.split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [mode, type, sha, size] = record.slice(0, tab).split(/\s+/);
    const entry: RawTreeEntry = { mode: mode!, type: type as RawTreeEntry['type'], sha: sha!, path: record.slice(tab + 1) };
    if (type === 'blob') entry.size = Number(size);
    entries.push(entry);
  }
  return entries;
}

export async function diffFiles(repo: GitRepo, from: string, to: string): Promise<RawDiffEntry[]> {
  const out = await repo.run(['diff', '--name-status', '-z', '-M', from, to]);
  const parts = out.split('\0').filter((p) => p !== '');
  const files: RawDiffEntry[] = [];
  for (let i = 0; i < parts.length; ) {
    const code = parts[i++]!;
    if (code.startsWith('R') || code.startsWith('C')) {
      const previous = parts[i++]!;
      files.push({ status: code.startsWith('R') ? 'renamed' : 'copied', filename: parts[i++]!, previous_filename: previous });
      continue;
    }
    const status = code === 'A' ? 'added' : code === 'D' ? 'removed' : code === 'M' ? 'modified' : 'changed';
    files.push({ status, filename: parts[i++]! });
  }
  return files;
}

export async function commitsBetween(repo: GitRepo, base: string, head: string): Promise<string[]> {
  const out = await repo.run(['rev-list', '--reverse', `${base}..${head}`]);
  return out.split('\n').filter(Boolean);
}

export async function mergeBase(repo: GitRepo, a: string, b: string): Promise<string | undefined> {
  try {
    return (await repo.run(['merge-base', a, b])).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function isAncestor(repo: GitRepo, ancestor: string, descendant: string): Promise<boolean> {
  try {
    await repo.run(['merge-base', '--is-ancestor', ancestor, descendant]);
    return true;
  } catch {
    return false;
  }
}
