import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDir, lockFileName } from '../../../src/adapters/state-sqlite/lock.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'driftless-lock-'));
  dirs.push(dir);
  return dir;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('lockDataDir', () => {
  it('holds the directory: a second lock fails naming the directory and the holder pid; release frees it', () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    expect(readFileSync(path.join(dir, lockFileName), 'utf8').trim()).toBe(String(process.pid));
    expect(statSync(path.join(dir, lockFileName)).mode & 0o777).toBe(0o600);
    expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: 'DATA_DIR_LOCKED', message: expect.stringContaining(`${dir} is in use by another driftless serve (pid ${process.pid})`) }));
    lock.release();
    expect(existsSync(path.join(dir, lockFileName))).toBe(false);
    lockDataDir(dir).release();
  });

  it('a live process holding it refuses; a lock left by a dead process is taken over', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, lockFileName), '1\n');
    expect(() => lockDataDir(dir)).toThrow(/pid 1\)/);
    writeFileSync(path.join(dir, lockFileName), `${deadPid()}\n`);
    const lock = lockDataDir(dir);
    expect(readFileSync(path.join(dir, lockFileName), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });

  it('a lock naming this pid that this process does not hold is stale (pid reuse after a container restart)', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, lockFileName), `${process.pid}\n`);
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/in use/);
    lock.release();
  });
});
