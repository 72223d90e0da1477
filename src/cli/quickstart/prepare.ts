import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files the quick start lays out: a git repository of the example, its config and local secrets. */
export interface QuickstartFiles {
  dir: string;
  configFile: string;
  kubeconfigFile: string;
  apiTokenFile: string;
  webhookSecretFile: string;
  repoDir: string;
  dataDir: string;
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const examplesDir = join(projectRoot, 'examples');

function git(cwd: string, ...args: string[]): string {
  // A fixed identity: the machine may have none configured, and the example's history is ours.
  return execFileSync('git', ['-c', 'user.name=driftless quickstart', '-c', 'user.email=quickstart@driftless.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Lays out a fresh quick-start folder: examples/gitops becomes a git repository (driftless reads
 * commits, never a work tree), examples/driftless.yaml gains a `server` section whose API token
 * and webhook secret live in files, so that no secret value is ever printed.
 */
export function prepareQuickstart(dir: string): QuickstartFiles {
  const files: QuickstartFiles = {
    dir,
    configFile: join(dir, 'driftless.yaml'),
    kubeconfigFile: join(dir, 'sandbox.kubeconfig'),
    apiTokenFile: join(dir, 'api-token'),
    webhookSecretFile: join(dir, 'webhook-secret'),
    repoDir: join(dir, 'gitops'),
    dataDir: join(dir, 'data'),
  };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(examplesDir, 'gitops'), files.repoDir, { recursive: true });
  git(files.repoDir, 'init', '-q', '-b', 'main');
  git(files.repoDir, 'add', '-A');
  git(files.repoDir, 'commit', '-q', '-m', 'Example apps: web in staging and production');

  writeFileSync(files.apiTokenFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  writeFileSync(files.webhookSecretFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  const config = readFileSync(join(examplesDir, 'driftless.yaml'), 'utf8').replace('../schema/driftless.schema.json', join(projectRoot, 'schema', 'driftless.schema.json'));
  const server = ['', 'server:', '  apiTokens: { file: ./api-token }', '  webhookSecret: { file: ./webhook-secret }', '  pollInterval: 1m', ''].join('\n');
  writeFileSync(files.configFile, config + server);
  return files;
}

/** The commit the example repository's main branch points at. */
export function headOf(repoDir: string): string {
  return git(repoDir, 'rev-parse', 'HEAD');
}
