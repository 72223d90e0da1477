import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A file's new content, a symlink, a gitlink (submodule) or null to delete it. */
export type FileChange = string | Uint8Array | { symlink: string } | { submodule: string } | null;

export interface TestRepo {
  dir: string;
  /** Writes the changes, commits them on the current branch and returns the commit SHA. */
  commit(files: Record<string, FileChange>, message?: string): string;
  git(...args: string[]): string;
  remove(): void;
}

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
};

/** A real git repository in a temp folder, for the GitHub stand-in to serve. */
export function createTestRepo(initial: Record<string, FileChange> = {}, branch = 'main'): TestRepo {
  const dir = mkdtempSync(path.join(tmpdir(), 'driftless-gh-'));
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', branch);
  const repo: TestRepo = {
    dir,
    git,
    commit(files, message = 'change') {
      const added: string[] = [];
      const removed: string[] = [];
      for (const [file, change] of Object.entries(files)) {
        const abs = path.join(dir, file);
        if (change === null) {
          removed.push(file);
          rmSync(abs, { recursive: true, force: true });
          continue;
        }
        if (typeof change === 'object' && 'submodule' in change) {
          git('update-index', '--add', '--cacheinfo', `160000,${change.submodule},${file}`);
          continue;
        }
        mkdirSync(path.dirname(abs), { recursive: true });
        rmSync(abs, { force: true });
        if (typeof change === 'object' && 'symlink' in change) symlinkSync(change.symlink, abs);
        else writeFileSync(abs, change);
        added.push(file);
      }
      // Batched: one git process per commit keeps 300-file fixtures fast.
      if (removed.length > 0) git('rm', '-q', '-r', '--cached', '--ignore-unmatch', '--', ...removed);
      if (added.length > 0) git('add', '--', ...added);
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  if (Object.keys(initial).length > 0) repo.commit(initial, 'initial');
  return repo;
}
