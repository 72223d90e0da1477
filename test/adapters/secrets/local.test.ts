import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSecretResolver } from '../../../src/adapters/secrets/local.ts';
import { DriftlessError } from '../../../src/core/errors.ts';
import type { SecretRef } from '../../../src/ports/secrets.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-secrets-'));
  writeFileSync(path.join(dir, 'token'), 's3cr3t-token\n');
  writeFileSync(path.join(dir, 'crlf'), 'crlf-value\r\n');
  writeFileSync(path.join(dir, 'pem'), '-----BEGIN KEY-----\nabc\n-----END KEY-----\n\n');
  writeFileSync(path.join(dir, 'empty'), '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(resolve: Promise<string>): Promise<DriftlessError> {
  try {
    await resolve;
  } catch (err) {
    if (err instanceof DriftlessError) return err;
    throw err;
  }
  throw new Error('expected SECRET_UNAVAILABLE');
}

describe('createLocalSecretResolver', () => {
  const env = { GITHUB_TOKEN: 'ghp_value', EMPTY: '' };

  it('reads environment variables from the given env', async () => {
    const resolver = createLocalSecretResolver({ baseDir: dir, env });
    expect(await resolver.resolve({ env: 'GITHUB_TOKEN' })).toBe('ghp_value');
  });

  it('reads files relative to baseDir, trimming exactly one trailing newline', async () => {
    const resolver = createLocalSecretResolver({ baseDir: dir, env });
    expect(await resolver.resolve({ file: 'token' })).toBe('s3cr3t-token');
    expect(await resolver.resolve({ file: path.join(dir, 'crlf') })).toBe('crlf-value');
    expect(await resolver.resolve({ file: 'pem' })).toBe('-----BEGIN KEY-----\nabc\n-----END KEY-----\n');
  });

  it.each<[SecretRef, RegExp]>([
    [{ env: 'MISSING' }, /^environment variable MISSING: is not set/],
    [{ env: 'EMPTY' }, /^environment variable EMPTY: is empty/],
    [{ file: 'nope' }, /^file nope: does not exist \(looked at .*nope\)/],
    [{ file: 'empty' }, /^file empty: is empty/],
    [{ secret: 'prod/kubeconfig', key: 'config' }, /^secret prod\/kubeconfig \(key config\): needs AWS Secrets Manager \(runs on Lambda, or set AWS credentials\)/],
  ])('%o fails with SECRET_UNAVAILABLE naming the ref', async (ref, message) => {
    const err = await failure(createLocalSecretResolver({ baseDir: dir, env }).resolve(ref));
    expect(err.code).toBe('SECRET_UNAVAILABLE');
    expect(err.message).toMatch(message);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file is named, its content never shown', async () => {
    const file = path.join(dir, 'locked');
    writeFileSync(file, 'locked-value');
    chmodSync(file, 0o000);
    const err = await failure(createLocalSecretResolver({ baseDir: dir }).resolve({ file }));
    expect(err.message).toContain('permission denied');
    expect(err.message).not.toContain('locked-value');
  });

  it('never puts a value in an error, even when a neighbouring ref resolves', async () => {
    const resolver = createLocalSecretResolver({ baseDir: dir, env });
    await resolver.resolve({ env: 'GITHUB_TOKEN' });
    const err = await failure(resolver.resolve({ env: 'GITHUB_TOKEN_2' }));
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain('ghp_value');
    expect(err.details).toEqual({ secret: 'environment variable GITHUB_TOKEN_2' });
  });

  it('hands {secret:} refs to the given Secrets Manager resolver', async () => {
    const seen: SecretRef[] = [];
    const resolver = createLocalSecretResolver({ baseDir: dir, env, secrets: { resolve: async (ref) => (seen.push(ref), 'from-aws') } });
    expect(await resolver.resolve({ secret: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' })).toBe('from-aws');
    expect(seen).toEqual([{ secret: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' }]);
  });

  it('defaults to process.env', async () => {
    process.env.DRIFTLESS_TEST_SECRET = 'from-process-env';
    try {
      expect(await createLocalSecretResolver({ baseDir: dir }).resolve({ env: 'DRIFTLESS_TEST_SECRET' })).toBe('from-process-env');
    } finally {
      delete process.env.DRIFTLESS_TEST_SECRET;
    }
  });
});
