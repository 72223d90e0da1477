import { randomBytes, randomUUID } from 'node:crypto';
import { covers, DEFAULT_ACCOUNT, Iam, requestId } from './iam.ts';
import type { Identity } from './iam.ts';
import { listen, serviceCore } from './server.ts';
import type { Reply, StandinBase } from './server.ts';
import { verifyHeaderSignature } from './sigv4.ts';
import type { AuthFailure } from './sigv4.ts';

/**
 * Secrets Manager over AWS JSON 1.1 (`POST /`, `X-Amz-Target: secretsmanager.<Action>`): GetSecretValue
 * and PutSecretValue with version stages as the service moves them.
 */

export interface SecretsManagerStandinOptions {
  iam?: Iam;
  region?: string;
  account?: string;
}

export interface SecretVersionInfo {
  versionId: string;
  stages: string[];
}

export interface SecretsManagerStandin extends StandinBase {
  iam: Iam;
  /** Creates the secret or adds a version as PutSecretValue does (new AWSCURRENT, old AWSPREVIOUS). Returns ARN and VersionId. */
  putSecret(name: string, value: string | Uint8Array): { arn: string; versionId: string };
  /** The full ARN (`…:secret:NAME-xxxxxx`). */
  arnOf(name: string): string;
  versions(name: string): SecretVersionInfo[];
  /** GetSecretValue by this principal (user, role or assumed-role ARN) answers AccessDeniedException. */
  deny(principalArn: string, name: string): void;
  /** Every read answers DecryptionFailure (KMS cannot decrypt with the secret's key); false restores. */
  setUndecryptable(name: string, undecryptable?: boolean): void;
  /** Every read answers AccessDeniedException `Access to KMS is not allowed` (no kms:Decrypt on a customer key); false restores. */
  setKmsAccessDenied(name: string, denied?: boolean): void;
  deleteSecret(name: string): void;
}

interface Version { id: string; value: string | Buffer; stages: Set<string>; created: number }
interface Secret { name: string; arn: string; versions: Version[]; denied: Set<string>; kms?: 'undecryptable' | 'denied'; created: number }

const JSON11 = 'application/x-amz-json-1.1';
const BAD_SIGNATURE = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const suffixChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

class AwsError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) { super(message); }
}

function authError(failure: AuthFailure): AwsError {
  switch (failure.kind) {
    case 'missing': return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    case 'malformed': return new AwsError('IncompleteSignatureException', failure.message);
    case 'unknownKey': return new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    case 'expiredToken': return new AwsError('ExpiredTokenException', 'The security token included in the request is expired');
    case 'badSignature': return new AwsError('InvalidSignatureException', BAD_SIGNATURE);
    case 'expiredSignature': return new AwsError('InvalidSignatureException', failure.message);
  }
}

function reply(status: number, body: unknown, id: string): Reply {
  return { status, headers: { 'content-type': JSON11, 'x-amzn-requestid': id }, body: JSON.stringify(body) };
}

export async function startSecretsManagerStandin(options: SecretsManagerStandinOptions = {}): Promise<SecretsManagerStandin> {
  const iam = options.iam ?? new Iam();
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? DEFAULT_ACCOUNT;
  const secrets = new Map<string, Secret>();
  const core = serviceCore();

  const find = (secretId: unknown): Secret | undefined => {
    if (typeof secretId !== 'string') return undefined;
    // A partial ARN (without the six-character suffix) names the secret too, as the service allows.
    return secrets.get(secretId) ?? [...secrets.values()].find((s) => s.arn === secretId || s.arn.slice(0, -7) === secretId);
  };
  const notFound = (): AwsError => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

  function put(name: string, value: string | Uint8Array, token?: string): { secret: Secret; version: Version } {
    let secret = secrets.get(name);
    if (!secret) {
      const suffix = Array.from(randomBytes(6), (b) => suffixChars[b % suffixChars.length]).join('');
      secret = { name, arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${suffix}`, versions: [], denied: new Set(), created: Date.now() };
      secrets.set(name, secret);
    }
    const existing = token ? secret.versions.find((v) => v.id === token) : undefined;
    if (existing) return { secret, version: existing };
    for (const v of secret.versions) v.stages.delete('AWSPREVIOUS');
    for (const v of secret.versions) if (v.stages.delete('AWSCURRENT')) v.stages.add('AWSPREVIOUS');
    // Versions without a label are deprecated and eventually removed; keep the list short as the service does.
    secret.versions = secret.versions.filter((v) => v.stages.size > 0);
    const version: Version = { id: token ?? randomUUID(), value: typeof value === 'string' ? value : Buffer.from(value), stages: new Set(['AWSCURRENT']), created: Date.now() };
    secret.versions.push(version);
    return { secret, version };
  }

  /** The message names the resource as the caller gave it (name or ARN), as the service's does. */
  function authorize(secret: Secret, identity: Identity, action: string, given: string): void {
    if ([...secret.denied].some((p) => covers(p, identity))) {
      throw new AwsError('AccessDeniedException', `User: ${identity.arn} is not authorized to perform: secretsmanager:${action} on resource: ${given} because no identity-based policy allows the secretsmanager:${action} action`);
    }
  }

  function getSecretValue(input: Record<string, unknown>, identity: Identity): unknown {
    const secret = find(input.SecretId);
    if (!secret) throw notFound();
    authorize(secret, identity, 'GetSecretValue', String(input.SecretId));
    const { VersionId: versionId, VersionStage: stage } = input;
    let version: Version | undefined;
    if (typeof versionId === 'string') {
      version = secret.versions.find((v) => v.id === versionId);
      if (!version) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      if (typeof stage === 'string' && !version.stages.has(stage)) throw new AwsError('InvalidRequestException', `You provided a VersionStage that is not associated to the provided VersionId.`);
    } else {
      const wanted = typeof stage === 'string' ? stage : 'AWSCURRENT';
      version = secret.versions.find((v) => v.stages.has(wanted));
      if (!version) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${wanted}`);
    }
    if (secret.kms === 'denied') throw new AwsError('AccessDeniedException', 'Access to KMS is not allowed');
    if (secret.kms === 'undecryptable') throw new AwsError('DecryptionFailure', "Secrets Manager can't decrypt the protected secret text using the provided KMS key.");
    return {
      ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages], CreatedDate: version.created / 1000,
      ...(typeof version.value === 'string' ? { SecretString: version.value } : { SecretBinary: version.value.toString('base64') }),
    };
  }

  function putSecretValue(input: Record<string, unknown>, identity: Identity): unknown {
    const secret = find(input.SecretId);
    if (!secret) throw notFound();
    authorize(secret, identity, 'PutSecretValue', String(input.SecretId));
    const value = typeof input.SecretString === 'string' ? input.SecretString : typeof input.SecretBinary === 'string' ? Buffer.from(input.SecretBinary, 'base64') : undefined;
    if (value === undefined) throw new AwsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
    const { version } = put(secret.name, value, token);
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
  }

  const base = await listen(core, async (req) => {
    const id = requestId();
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
    const record = { service: 'secretsmanager', action, status: 200 } as (typeof core.log)[number];
    core.log.push(record);
    try {
      const auth = await verifyHeaderSignature(iam, 'secretsmanager', req);
      if (!auth.ok) throw authError(auth.failure);
      record.identity = auth.identity.arn;
      record.accessKeyId = auth.identity.accessKeyId;
      const fault = core.takeFault(action);
      if (fault) throw new AwsError(fault.code ?? 'ThrottlingException', fault.message ?? 'Rate exceeded', fault.status ?? 400);
      if (req.method !== 'POST' || !action) throw new AwsError('UnknownOperationException', '');
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
      }
      if (action === 'GetSecretValue') return reply(200, getSecretValue(input, auth.identity), id);
      if (action === 'PutSecretValue') return reply(200, putSecretValue(input, auth.identity), id);
      throw new AwsError('UnknownOperationException', '');
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      record.status = err.status;
      record.error = err.code;
      return reply(err.status, { __type: err.code, message: err.message }, id);
    }
  });

  const must = (name: string): Secret => {
    const s = secrets.get(name);
    if (!s) throw new Error(`no secret ${name} in the Secrets Manager stand-in`);
    return s;
  };
  return {
    ...base,
    iam,
    putSecret(name, value) {
      const { secret, version } = put(name, value);
      return { arn: secret.arn, versionId: version.id };
    },
    arnOf: (name) => must(name).arn,
    versions: (name) => must(name).versions.map((v) => ({ versionId: v.id, stages: [...v.stages] })),
    deny: (principal, name) => { must(name).denied.add(principal); },
    setUndecryptable: (name, undecryptable = true) => { must(name).kms = undecryptable ? 'undecryptable' : undefined; },
    setKmsAccessDenied: (name, denied = true) => { must(name).kms = denied ? 'denied' : undefined; },
    deleteSecret: (name) => { secrets.delete(name); },
  };
}
