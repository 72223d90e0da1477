import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatFileSession } from '../../../src/adapters/git-local/cat-file-session.ts';

let dir: string;
const blobs: Record<string, string> = {};
const hashObject = (file: string): string => execFileSync('git', ['-C', dir, 'hash-object', '-w', file], { encoding: 'utf8' }).trim();

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-cat-file-'));
  execFileSync('git', ['init', '-q', dir]);
  // A blob far past a pipe's chunk size, so its content arrives in many pieces.
  const contents = { small: 'a: 1\n', empty: '', big: 'x'.repeat(3 * 1024 * 1024) + '\nend\n', newline: '\n\n' };
  for (const [name, text] of Object.entries(contents)) {
    writeFileSync(path.join(dir, name), text);
    blobs[name] = hashObject(path.join(dir, name));
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (objects: Map<string, { content: Buffer }>, sha: string): string | undefined => objects.get(sha)?.content.toString('utf8');

describe('createCatFileSession', () => {
  it('answers reads in order from one process while they keep coming, big blobs whole, missing names absent', async () => {
    const session = createCatFileSession(dir, 200);
    const missing = '0'.repeat(40);
    const [first, second] = await Promise.all([
      session.read([blobs.small!, missing, blobs.big!]),
      session.read([blobs.empty!, blobs.newline!, blobs.small!]),
    ]);
    expect(text(first!, blobs.small!)).toBe('a: 1\n');
    expect(first!.has(missing)).toBe(false);
    expect(text(first!, blobs.big!)).toHaveLength(3 * 1024 * 1024 + 5);
    expect(text(first!, blobs.big!)!.endsWith('\nend\n')).toBe(true);
    expect([text(second!, blobs.empty!), text(second!, blobs.newline!), text(second!, blobs.small!)]).toEqual(['', '\n\n', 'a: 1\n']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(text(await session.read([blobs.small!]), blobs.small!)).toBe('a: 1\n');
    expect(session.processes).toBe(1);
  });

  it('ends the process once idle and starts another for the next read', async () => {
    const session = createCatFileSession(dir, 10);
    await session.read([blobs.small!]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(text(await session.read([blobs.small!]), blobs.small!)).toBe('a: 1\n');
    expect(session.processes).toBe(2);
  });

  it('rejects with the git failure when the repository cannot be read, and tries again on the next read', async () => {
    const session = createCatFileSession(path.join(dir, 'nope'));
    await expect(session.read([blobs.small!])).rejects.toMatchObject({ code: expect.anything(), stderr: expect.stringMatching(/nope|No such file/) });
    await expect(session.read([blobs.small!])).rejects.toMatchObject({ stderr: expect.any(String) });
    expect(session.processes).toBe(2);
  });
});
