import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DriftlessError } from '../../core/errors.ts';
import { describeSecretRef, type SecretRef, type SecretResolver, type SecretsManagerRef } from '../../ports/secrets.ts';

export interface LocalSecretResolverOptions {
  /** Folder relative {file:} refs resolve against (the config file's folder). */
  baseDir: string;
  /** Environment to read {env:} refs from; default process.env. */
  env?: Record<string, string | undefined>;
  /** Resolves {secret:} refs (AWS Secrets Manager) when given; without it they fail. */
  secrets?: { resolve(ref: SecretsManagerRef): Promise<string> };
}

function unavailable(ref: SecretRef, why: string, cause?: unknown): DriftlessError {
  // Messages name the reference, never the value.
  return new DriftlessError('SECRET_UNAVAILABLE', `${describeSecretRef(ref)}: ${why}`, { secret: describeSecretRef(ref) }, cause ? { cause } : undefined);
}

/** "value\n" → "value": files written by editors and `echo` end with one newline that is not part of the secret. */
function trimOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

/** Resolves {env:} and {file:} references locally; {secret:} ones go to `secrets` when configured. */
export function createLocalSecretResolver(options: LocalSecretResolverOptions): SecretResolver {
  const env = options.env ?? process.env;
  return {
    async resolve(ref: SecretRef): Promise<string> {
      if ('env' in ref) {
        const value = env[ref.env];
        if (value === undefined) throw unavailable(ref, 'is not set; export it before starting driftless');
        if (value === '') throw unavailable(ref, 'is empty; set it to the secret value');
        return value;
      }
      if ('file' in ref) {
        const file = path.resolve(options.baseDir, ref.file);
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why = code === 'ENOENT' ? `does not exist (looked at ${file})` : code === 'EACCES' ? `is not readable (permission denied: ${file})` : `cannot be read (${code ?? 'error'})`;
          throw unavailable(ref, why, err);
        }
        const value = trimOneNewline(text);
        if (value === '') throw unavailable(ref, `is empty (${file})`);
        return value;
      }
      if (options.secrets) return options.secrets.resolve(ref);
      throw unavailable(ref, 'needs AWS Secrets Manager (runs on Lambda, or set AWS credentials); use {env: NAME} or {file: PATH} to run locally');
    },
  };
}
