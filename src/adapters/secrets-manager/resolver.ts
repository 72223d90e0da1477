import type * as SecretsManagerSdk from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { DriftlessError, type ErrorCode } from '../../core/errors.ts';
import { isRecord } from '../../core/objects.ts';
import { classify } from '../../core/retry.ts';
import { lazySdk } from '../aws/lazy-sdk.ts';
import { describeSecretRef, type SecretsManagerRef } from '../../ports/secrets.ts';

export interface SecretsManagerResolverOptions {
  /** Region of refs that name none (and are not ARNs); default: the SDK's (AWS_REGION, profile). */
  region?: string;
  /** Extra client settings (tests: credentials, retry mode); the endpoint comes from AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  client?: Omit<SecretsManagerClientConfig, 'region'>;
}

/** Reads `{secret: …}` references from AWS Secrets Manager. Values are never logged or put in errors. */
export interface SecretsManagerResolver {
  resolve(ref: SecretsManagerRef): Promise<string>;
}

/** arn:aws:secretsmanager:<region>:<account>:secret:<name>: an ARN carries its region. */
function regionOf(ref: SecretsManagerRef, fallback: string | undefined): string | undefined {
  if (ref.region) return ref.region;
  const arn = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(ref.secret);
  return arn?.[1] ?? fallback;
}

function failure(code: ErrorCode, ref: SecretsManagerRef, why: string, err?: unknown, transient = false): DriftlessError {
  const secret = describeSecretRef(ref);
  return new DriftlessError(code, `${secret}: ${why}`, { secret, ...(transient ? { transient: true } : {}) }, err ? { cause: err } : undefined);
}

/**
 * The SDK's error → a DriftlessError per cause. The AWS message is kept only for the codes whose
 * messages name the secret or the caller (never the value, which AWS never echoes).
 */
export function mapSecretsManagerError(err: unknown, ref: SecretsManagerRef): DriftlessError {
  const name = isRecord(err) && typeof err.name === 'string' ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  switch (name) {
    case 'ResourceNotFoundException':
      return failure('SECRET_NOT_FOUND', ref, `does not exist in AWS Secrets Manager${ref.versionStage ? ` with version stage ${ref.versionStage}` : ''} (${message}); check the name and the region`, err);
    case 'AccessDeniedException':
      // Secrets Manager answers a key policy's refusal the same way: "Access to KMS is not allowed".
      if (/\bKMS\b/.test(message)) return failure('SECRET_DECRYPT_FAILED', ref, `AWS Secrets Manager cannot decrypt it: ${message}; grant driftless's role kms:Decrypt on the secret's customer managed key`, err);
      return failure('SECRET_ACCESS_DENIED', ref, `access denied (${message}); grant driftless's role secretsmanager:GetSecretValue on this secret's ARN`, err);
    case 'DecryptionFailure':
      return failure('SECRET_DECRYPT_FAILED', ref, `AWS Secrets Manager cannot decrypt it with its KMS key (${message}); grant driftless's role kms:Decrypt on the secret's customer managed key`, err);
    default:
      break;
  }
  if (name === 'CredentialsProviderError') return failure('SECRET_UNAVAILABLE', ref, 'no AWS credentials to read it with (on Lambda the function role provides them; elsewhere set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)', err);
  if (name === 'KMSAccessDeniedException' || /kms/i.test(name)) return failure('SECRET_DECRYPT_FAILED', ref, `the KMS key refused to decrypt it (${message}); grant kms:Decrypt on the secret's key`, err);
  const verdict = classify(err);
  if (verdict.transient) {
    const throttled = /throttl|rate exceeded|too many/i.test(`${name} ${message}`);
    return failure(throttled ? 'SECRET_THROTTLED' : 'SECRET_UNAVAILABLE', ref, throttled ? `AWS Secrets Manager is throttling reads (${name || message}); retrying later` : `AWS Secrets Manager is unavailable (${name || message})`, err, true);
  }
  return failure('SECRET_UNAVAILABLE', ref, `cannot be read from AWS Secrets Manager (${name ? `${name}: ` : ''}${message})`, err);
}

/** A JSON secret's field; the value never appears in the message (JSON.parse's errors quote it). */
export function pickKey(text: string, ref: SecretsManagerRef): string {
  if (ref.key === undefined) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw failure('SECRET_INVALID', ref, `is not a JSON object, so key "${ref.key}" cannot be read from it; store a JSON object or drop key`);
  }
  if (!isRecord(parsed)) throw failure('SECRET_INVALID', ref, `is JSON but not an object, so key "${ref.key}" cannot be read from it`);
  const value = parsed[ref.key];
  if (value === undefined || value === null) {
    throw failure('SECRET_INVALID', ref, `has no key "${ref.key}" (its keys: ${Object.keys(parsed).sort().join(', ') || 'none'})`);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // An object stays JSON: a key may hold a whole credentials document.
  return JSON.stringify(value);
}

export function createSecretsManagerResolver(options: SecretsManagerResolverOptions = {}): SecretsManagerResolver {
  const clients = new Map<string, SecretsManagerClient>();
  // Loaded on first use: a CLI run whose references are all env and file never loads the SDK.
  let sdk: Promise<typeof SecretsManagerSdk> | undefined;
  const clientFor = async (region: string | undefined): Promise<SecretsManagerClient> => {
    const { SecretsManagerClient } = await (sdk ??= lazySdk(() => import('@aws-sdk/client-secrets-manager'), 'SecretsManagerClient'));
    const key = region ?? '';
    let client = clients.get(key);
    if (!client) {
      client = new SecretsManagerClient({ ...options.client, ...(region ? { region } : {}) });
      clients.set(key, client);
    }
    return client;
  };
  return {
    async resolve(ref) {
      const region = regionOf(ref, options.region);
      let out;
      try {
        const client = await clientFor(region);
        const { GetSecretValueCommand } = await (sdk ??= lazySdk(() => import('@aws-sdk/client-secrets-manager'), 'SecretsManagerClient'));
        out = await client.send(new GetSecretValueCommand({ SecretId: ref.secret, ...(ref.versionStage ? { VersionStage: ref.versionStage } : {}) }));
      } catch (err) {
        if (isRecord(err) && /region is missing/i.test(String(err.message))) throw failure('SECRET_UNAVAILABLE', ref, 'no AWS region: set region on the reference or AWS_REGION', err);
        throw mapSecretsManagerError(err, ref);
      }
      const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
      if (text === undefined || text === '') throw failure('SECRET_INVALID', ref, 'is empty (it holds neither SecretString nor SecretBinary)');
      return pickKey(text, ref);
    },
  };
}
