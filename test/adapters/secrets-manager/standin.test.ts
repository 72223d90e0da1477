import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretsManagerResolver } from '../../../src/adapters/secrets-manager/resolver.ts';
import { classify } from '../../../src/core/retry.ts';
import { startAwsStandins, type AwsStandins, type Identity } from '../../support/aws-standin/index.ts';

/* The resolver with the real SDK client against the Secrets Manager stand-in (AWS JSON 1.1 over a socket). */

let aws: AwsStandins;
let me: Identity;
const VALUE = 'sm-value-7d2c';

beforeAll(async () => {
  aws = await startAwsStandins({ region: 'eu-west-1' });
  me = aws.iam.addUser('reader');
  aws.secretsManager.putSecret('app/plain', VALUE);
  aws.secretsManager.putSecret('app/json', JSON.stringify({ token: VALUE, user: 'driftless' }));
});
afterAll(() => aws?.close());

const resolver = (maxAttempts = 1) => createSecretsManagerResolver({ region: 'eu-west-1', client: { endpoint: aws.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, credentials: me, maxAttempts } });
const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('resolved'); }, (err: unknown) => err as { code: string; message: string; transient: boolean });

describe('Secrets Manager resolver over the stand-in', () => {
  it('reads a plain secret, a JSON key, by full ARN, and a version stage', async () => {
    const r = resolver();
    expect(await r.resolve({ secret: 'app/plain' })).toBe(VALUE);
    expect(await r.resolve({ secret: 'app/json', key: 'user' })).toBe('driftless');
    expect(await r.resolve({ secret: aws.secretsManager.arnOf('app/plain') })).toBe(VALUE);
    aws.secretsManager.putSecret('app/rotating', 'v1');
    aws.secretsManager.putSecret('app/rotating', 'v2');
    expect(await r.resolve({ secret: 'app/rotating' })).toBe('v2');
    expect(await r.resolve({ secret: 'app/rotating', versionStage: 'AWSPREVIOUS' })).toBe('v1');
  });

  it('not found, access denied, KMS (DecryptionFailure and KMS access denied): distinct codes naming the reference, never the value', async () => {
    const r = resolver();
    const missing = await failure(r.resolve({ secret: 'app/missing' }));
    expect(missing.code).toBe('SECRET_NOT_FOUND');
    expect(missing.message).toContain('secret app/missing');
    aws.secretsManager.putSecret('app/denied', VALUE);
    aws.secretsManager.deny(me.arn, 'app/denied');
    const denied = await failure(r.resolve({ secret: 'app/denied' }));
    expect(denied.code).toBe('SECRET_ACCESS_DENIED');
    expect(denied.message).toContain('secretsmanager:GetSecretValue');
    aws.secretsManager.putSecret('app/kms', VALUE);
    aws.secretsManager.setUndecryptable('app/kms');
    expect((await failure(r.resolve({ secret: 'app/kms' }))).code).toBe('SECRET_DECRYPT_FAILED');
    aws.secretsManager.setUndecryptable('app/kms', false);
    aws.secretsManager.setKmsAccessDenied('app/kms');
    const kms = await failure(r.resolve({ secret: 'app/kms' }));
    expect(kms.code).toBe('SECRET_DECRYPT_FAILED');
    expect(kms.message).toContain('kms:Decrypt');
    for (const e of [missing, denied, kms]) {
      expect(e.message).not.toContain(VALUE);
      expect(classify(e).transient).toBe(false);
    }
  });

  it('throttling is SECRET_THROTTLED and transient once the SDK\'s own retries are spent; the SDK retries it first', async () => {
    aws.secretsManager.fail({ action: 'GetSecretValue', count: 1 });
    expect(await resolver(3).resolve({ secret: 'app/plain' })).toBe(VALUE);
    aws.secretsManager.fail({ action: 'GetSecretValue', count: 1 });
    const throttled = await failure(resolver(1).resolve({ secret: 'app/plain' }));
    expect(throttled.code).toBe('SECRET_THROTTLED');
    expect(classify(throttled).transient).toBe(true);
  });

  it('a missing key names the keys there are, not their values', async () => {
    const err = await failure(resolver().resolve({ secret: 'app/json', key: 'password' }));
    expect(err.code).toBe('SECRET_INVALID');
    expect(err.message).toContain('(its keys: token, user)');
    expect(err.message).not.toContain(VALUE);
  });
});
