import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DriftlessError, isDriftlessError } from '../core/errors.ts';
import { Keyring, MIN_KEY_LENGTH } from '../core/keyring.ts';
import type { DriftlessConfig } from '../config/types.ts';
import type { SecretRef, SecretResolver } from '../ports/secrets.ts';

/** Where the key lives when config names none: next to the config file, so every command run on it shares one. */
export function defaultSigningKeyFile(config: DriftlessConfig): string {
  return path.join(path.dirname(config.file), '.driftless', 'signing-key');
}

function checked(value: string, field: string, file: string): string {
  const key = value.trim();
  if (key.length < MIN_KEY_LENGTH) throw new DriftlessError('CONFIG_INVALID', `${field}: the signing key must be at least ${MIN_KEY_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`, { file, field });
  return key;
}

async function resolveConfigured(secrets: SecretResolver, ref: SecretRef, field: string, file: string): Promise<string> {
  try {
    return checked(await secrets.resolve(ref), field, file);
  } catch (err) {
    // A configured key that does not resolve is never replaced by a generated one: that would distrust every inventory.
    if (isDriftlessError(err, 'SECRET_UNAVAILABLE')) throw new DriftlessError('SECRET_UNAVAILABLE', `${field}: ${err.message}`, { ...err.details, file, field }, { cause: err });
    throw err;
  }
}

/**
 * The default key file, created on first use: 32 random bytes, base64, mode 0600 in a 0700
 * folder. Written to a temporary file and linked into place, so that a reader never sees half a
 * key and two processes starting at once agree on one key (the second link fails; it reads the first).
 */
async function defaultKey(file: string, configFile: string): Promise<string> {
  const read = async (): Promise<string | undefined> => {
    try {
      return checked(await readFile(file, 'utf8'), 'signing.key', configFile);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      if (isDriftlessError(err)) throw err;
      throw new DriftlessError('SECRET_UNAVAILABLE', `signing.key: the default key file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); fix its permissions or set signing.key`, { file: configFile, field: 'signing.key' }, { cause: err });
    }
  };
  const existing = await read();
  if (existing) return existing;
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(temporary, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    await link(temporary, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } catch (err) {
    // E.g. a read-only disk (Lambda): there the key must come from configuration.
    throw new DriftlessError('SECRET_UNAVAILABLE', `signing.key is not set and the default key file ${file} cannot be created (${(err as NodeJS.ErrnoException).code ?? 'error'}); set signing.key to a reference every driftless process can resolve`, { file: configFile, field: 'signing.key' }, { cause: err });
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  const created = await read();
  if (!created) throw new DriftlessError('SECRET_UNAVAILABLE', `signing.key: could not create the default key file ${file}`, { file: configFile, field: 'signing.key' });
  return created;
}

/** Resolves the configured keys (never the default file, never generating one): what `validate` checks. */
export async function checkConfiguredKeys(config: DriftlessConfig, secrets: SecretResolver): Promise<void> {
  if (config.signing.key) await resolveConfigured(secrets, config.signing.key, 'signing.key', config.file);
  await Promise.all(config.signing.previousKeys.map((ref, i) => resolveConfigured(secrets, ref, `signing.previousKeys[${i}]`, config.file)));
}

/** The keyring of config `signing`: its key (or the default file, generated on first use) and previous keys. */
export async function loadKeyring(config: DriftlessConfig, secrets: SecretResolver): Promise<Keyring> {
  const current = config.signing.key
    ? await resolveConfigured(secrets, config.signing.key, 'signing.key', config.file)
    : await defaultKey(defaultSigningKeyFile(config), config.file);
  const previous = await Promise.all(config.signing.previousKeys.map((ref, i) => resolveConfigured(secrets, ref, `signing.previousKeys[${i}]`, config.file)));
  return new Keyring(current, previous);
}
