import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DriftlessConfig, SigningConfig } from '../../src/config/types.ts';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import { Keyring } from '../../src/core/keyring.ts';
import { defaultSigningKeyFile, loadKeyring } from '../../src/wiring/signing-key.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(signing: SigningConfig, env: Record<string, string> = {}): { config: DriftlessConfig; secrets: ReturnType<typeof createLocalSecretResolver>; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'driftless-signing-'));
  dirs.push(dir);
  const config: DriftlessConfig = { file: path.join(dir, 'driftless.yaml'), repositories: {}, clusters: {}, apps: [], server: { publicRead: false, pollInterval: 180, driftInterval: 600, driftIssues: true, retention: { days: 30, maxSyncsPerApp: 1000, maxDeliveries: 10_000, maxDriftReportsPerApp: 100 } }, signing, warnings: [] };
  return { config, secrets: createLocalSecretResolver({ baseDir: dir, env }), dir };
}

describe('loadKeyring', () => {
  it('without signing.key, generates .driftless/signing-key next to the config (0600 in a 0700 folder) once, then reuses it', async () => {
    const { config, secrets, dir } = setup({ previousKeys: [] });
    const first = await loadKeyring(config, secrets);
    const file = defaultSigningKeyFile(config);
    expect(file).toBe(path.join(dir, '.driftless', 'signing-key'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const second = await loadKeyring(config, secrets);
    expect(second.mac('inventory', 'x')).toBe(first.mac('inventory', 'x'));
  });

  it('concurrent first uses agree on one key', async () => {
    const { config, secrets } = setup({ previousKeys: [] });
    const rings = await Promise.all(Array.from({ length: 5 }, () => loadKeyring(config, secrets)));
    expect(new Set(rings.map((r) => r.mac('inventory', 'x'))).size).toBe(1);
  });

  it('a configured key that does not resolve is an error naming the field, and nothing is generated', async () => {
    const { config, secrets } = setup({ key: { env: 'DRIFTLESS_SIGNING_KEY' }, previousKeys: [] });
    await expect(loadKeyring(config, secrets)).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE', details: { field: 'signing.key' } });
    await expect(loadKeyring(config, secrets)).rejects.toThrow(/^signing\.key: environment variable DRIFTLESS_SIGNING_KEY: is not set/);
    expect(existsSync(defaultSigningKeyFile(config))).toBe(false);
    const missingPrevious = setup({ key: { env: 'K' }, previousKeys: [{ file: 'old-key' }] }, { K: 'k'.repeat(40) });
    await expect(loadKeyring(missingPrevious.config, missingPrevious.secrets)).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE', details: { field: 'signing.previousKeys[0]' } });
  });

  it('refuses a short key; uses the configured key and previous keys', async () => {
    const short = setup({ key: { env: 'K' }, previousKeys: [] }, { K: 'too-short' });
    await expect(loadKeyring(short.config, short.secrets)).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { field: 'signing.key' } });
    const { config, secrets, dir } = setup({ key: { env: 'K' }, previousKeys: [{ file: 'old-key' }] }, { K: 'n'.repeat(40) });
    writeFileSync(path.join(dir, 'old-key'), `${'o'.repeat(40)}\n`);
    const ring = await loadKeyring(config, secrets);
    expect(ring.mac('inventory', 'x')).toBe(new Keyring('n'.repeat(40)).mac('inventory', 'x'));
    expect(ring.verify('inventory', 'x', new Keyring('o'.repeat(40)).mac('inventory', 'x'))).toBe('previous');
  });
});

describe('loadKeyring on a disk it cannot write', () => {
  it('says to set signing.key instead of failing with a bare file system error', async () => {
    const { config, secrets, dir } = setup({ previousKeys: [] });
    writeFileSync(path.join(dir, '.driftless'), 'a file where the folder should be');
    await expect(loadKeyring(config, secrets)).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE', details: { field: 'signing.key' } });
    await expect(loadKeyring(config, secrets)).rejects.toThrow(/cannot be created .*set signing\.key/);
  });
});
