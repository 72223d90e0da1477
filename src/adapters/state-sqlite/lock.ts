import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DriftlessError } from '../../core/errors.ts';

export const lockFileName = 'serve.lock';

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** Directories this process holds: a lock naming our own pid is ours only if listed here (pid 1 in a restarted container is not). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data directory for this process: one SQLite writer, one queue, one poller per
 * directory. A lock whose process is gone (crash, kill -9) is taken over; a live one fails at
 * once with DATA_DIR_LOCKED naming the directory and the pid.
 */
export function lockDataDir(dir: string): DataDirLock {
  const resolved = path.resolve(dir);
  const file = path.join(resolved, lockFileName);
  // Written whole under a private name, then linked into place: link fails if the lock exists,
  // and a reader never sees a lock without its pid.
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, `${process.pid}\n`, { mode: 0o600 });
  try {
    return acquire(resolved, file, draft);
  } finally {
    unlinkSync(draft);
  }
}

function acquire(resolved: string, file: string, draft: string): DataDirLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = readPid(file);
      const ours = pid === process.pid && held.has(resolved);
      if (pid !== undefined && (ours || (pid !== process.pid && alive(pid)))) {
        throw new DriftlessError('DATA_DIR_LOCKED', `data directory ${resolved} is in use by another driftless serve (pid ${pid}); stop that process or pass another --data-dir`, { file, pid });
      }
      // Stale (its process is gone) or unreadable half-written: take it over.
      try {
        unlinkSync(file);
      } catch {
        // Another starter removed it first; the next attempt decides.
      }
      continue;
    }
    held.add(resolved);
    return {
      file,
      release() {
        if (!held.delete(resolved)) return;
        if (readPid(file) === process.pid) {
          try {
            unlinkSync(file);
          } catch {
            // Already gone.
          }
        }
      },
    };
  }
  throw new DriftlessError('DATA_DIR_LOCKED', `could not take the lock ${file}: other processes keep replacing it`, { file });
}
