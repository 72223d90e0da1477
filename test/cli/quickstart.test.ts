import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, '../../bin/driftless');

describe('driftless quickstart (npm start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'driftless-quickstart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('syncs both example overlays into a fresh sandbox and prints how to look, without printing the API token', async () => {
    const { stdout } = await run(bin, ['quickstart', '--exit-after-sync', '--port', '0', '--dir', dir], { timeout: 90_000 });
    expect(stdout).toMatch(/syncing web-staging .*\n\s+Synced at [0-9a-f]{7}: 3 applied/);
    expect(stdout).toMatch(/syncing web-production .*\n\s+Synced at [0-9a-f]{7}: 3 applied/);
    expect(stdout).toContain('create    Deployment.apps production/web (Healthy)');
    expect(stdout).toMatch(/export KUBECONFIG=.*sandbox\.kubeconfig/);
    expect(stdout).toMatch(/curl -s -X POST -H "Authorization: Bearer \$\(cat .*api-token\)"/);
    const token = readFileSync(join(dir, 'api-token'), 'utf8').trim();
    expect(token.length).toBeGreaterThan(20);
    expect(stdout).not.toContain(token);
    expect(existsSync(join(dir, 'gitops', '.git'))).toBe(true);
  }, 120_000);
});
