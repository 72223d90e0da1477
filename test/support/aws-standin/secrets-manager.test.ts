import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Iam } from './iam.ts';
import type { Identity } from './iam.ts';
import { startSecretsManagerStandin } from './secrets-manager.ts';
import type { SecretsManagerStandin } from './secrets-manager.ts';

let sm: SecretsManagerStandin;
let alice: Identity;
let bob: Identity;

const client = (who: Identity, extra: Partial<ConstructorParameters<typeof SecretsManagerClient>[0]> = {}): SecretsManagerClient =>
  new SecretsManagerClient({ region: 'us-east-1', endpoint: sm.url, credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey, sessionToken: who.sessionToken }, ...extra });

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string; requestId: string | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message, requestId: e.$metadata?.requestId };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  const iam = new Iam();
  alice = iam.addUser('alice');
  bob = iam.addUser('bob');
  sm = await startSecretsManagerStandin({ iam });
});
afterAll(() => sm.close());

describe('Secrets Manager stand-in with the real SDK', () => {
  it('answers GetSecretValue by name and by full ARN with the shapes the SDK parses', async () => {
    const { arn, versionId } = sm.putSecret('app/github-token', 'ghp_first');
    expect(arn).toMatch(/^arn:aws:secretsmanager:us-east-1:111122223333:secret:app\/github-token-[A-Za-z0-9]{6}$/);
    const byName = await client(alice).send(new GetSecretValueCommand({ SecretId: 'app/github-token' }));
    expect(byName).toMatchObject({ ARN: arn, Name: 'app/github-token', VersionId: versionId, SecretString: 'ghp_first', VersionStages: ['AWSCURRENT'] });
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(byName.$metadata.httpStatusCode).toBe(200);
    expect(byName.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const byArn = await client(alice).send(new GetSecretValueCommand({ SecretId: arn }));
    expect(byArn.SecretString).toBe('ghp_first');
    expect(sm.requests().at(-1)).toEqual({ service: 'secretsmanager', action: 'GetSecretValue', identity: alice.arn, accessKeyId: alice.accessKeyId, status: 200 });
    const byPartialArn = await client(alice).send(new GetSecretValueCommand({ SecretId: arn.slice(0, -7) }));
    expect(byPartialArn.ARN).toBe(arn);
    expect(await failure(client(alice).send(new GetSecretValueCommand({ SecretId: `${arn.slice(0, -7)}-zzzzzz` })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('returns SecretBinary as bytes', async () => {
    sm.putSecret('bin', new Uint8Array([0, 1, 2, 255]));
    const out = await client(alice).send(new GetSecretValueCommand({ SecretId: 'bin' }));
    expect(out.SecretString).toBeUndefined();
    expect([...out.SecretBinary!]).toEqual([0, 1, 2, 255]);
  });

  it('rotates as PutSecretValue does: new AWSCURRENT, old AWSPREVIOUS, older unlabelled', async () => {
    const v1 = sm.putSecret('rotating', 'one').versionId;
    const v2 = sm.putSecret('rotating', 'two').versionId;
    const put = await client(alice).send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'three' }));
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
    expect(put.ARN).toBe(sm.arnOf('rotating'));
    const current = await client(alice).send(new GetSecretValueCommand({ SecretId: 'rotating' }));
    const previous = await client(alice).send(new GetSecretValueCommand({ SecretId: 'rotating', VersionStage: 'AWSPREVIOUS' }));
    expect([current.SecretString, current.VersionId]).toEqual(['three', put.VersionId]);
    expect([previous.SecretString, previous.VersionId, previous.VersionStages]).toEqual(['two', v2, ['AWSPREVIOUS']]);
    expect(sm.versions('rotating').map((v) => v.versionId)).not.toContain(v1);
    const byId = await client(alice).send(new GetSecretValueCommand({ SecretId: 'rotating', VersionId: v2 }));
    expect(byId.SecretString).toBe('two');
    // The SDK fills ClientRequestToken; sending the same one again is idempotent.
    const again = await client(alice).send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'three', ClientRequestToken: put.VersionId }));
    expect(again.VersionId).toBe(put.VersionId);
    expect(sm.versions('rotating')).toHaveLength(2);
  });

  it('answers the real errors, each as its SDK class', async () => {
    sm.putSecret('locked', 'x');
    sm.putSecret('kms', 'x');
    sm.deny(bob.arn, 'locked');
    sm.setUndecryptable('kms');
    const missing = await failure(client(alice).send(new GetSecretValueCommand({ SecretId: 'nope' })));
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', status: 400, message: "Secrets Manager can't find the specified secret." });
    expect(missing.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await failure(client(alice).send(new GetSecretValueCommand({ SecretId: 'locked', VersionStage: 'AWSPREVIOUS' })))).toMatchObject({ name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS" });
    const denied = await failure(client(bob).send(new GetSecretValueCommand({ SecretId: 'locked' })));
    expect(denied).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    expect(denied.message).toContain(`User: ${bob.arn} is not authorized to perform: secretsmanager:GetSecretValue`);
    expect((await client(alice).send(new GetSecretValueCommand({ SecretId: 'locked' }))).SecretString).toBe('x');
    expect(denied.message).toBe(`User: ${bob.arn} is not authorized to perform: secretsmanager:GetSecretValue on resource: locked because no identity-based policy allows the secretsmanager:GetSecretValue action`);
    expect(await failure(client(alice).send(new GetSecretValueCommand({ SecretId: 'kms' })))).toMatchObject({ name: 'DecryptionFailure', status: 400 });
    sm.setKmsAccessDenied('kms');
    expect(await failure(client(alice).send(new GetSecretValueCommand({ SecretId: 'kms' })))).toMatchObject({ name: 'AccessDeniedException', status: 400, message: 'Access to KMS is not allowed' });
    sm.setKmsAccessDenied('kms', false);
    expect((await client(alice).send(new GetSecretValueCommand({ SecretId: 'kms' }))).SecretString).toBe('x');
  });

  it('refuses bad signatures, unknown keys and expired temporary credentials', async () => {
    sm.putSecret('s', 'x');
    const forged = { ...alice, secretAccessKey: 'wrong' };
    expect(await failure(client(forged, { maxAttempts: 1 }).send(new GetSecretValueCommand({ SecretId: 's' })))).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    const stranger = { ...alice, accessKeyId: 'AKIAUNKNOWNUNKNOWN00' };
    expect(await failure(client(stranger, { maxAttempts: 1 }).send(new GetSecretValueCommand({ SecretId: 's' })))).toMatchObject({ name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    const iam = sm.iam;
    const role = iam.addRole({ name: 'reader', trust: [alice.arn] });
    const temp = iam.issue(role, 'sess', 900);
    expect((await client(temp).send(new GetSecretValueCommand({ SecretId: 's' }))).SecretString).toBe('x');
    expect(sm.requests().at(-1)?.identity).toBe('arn:aws:sts::111122223333:assumed-role/reader/sess');
    iam.expire(temp.accessKeyId);
    expect(await failure(client(temp, { maxAttempts: 1 }).send(new GetSecretValueCommand({ SecretId: 's' })))).toMatchObject({ name: 'ExpiredTokenException' });
    // Access rules may name the role: every session of it is covered.
    sm.putSecret('role-locked', 'y');
    sm.deny(role.arn, 'role-locked');
    const temp2 = iam.issue(role, 'other', 900);
    expect(await failure(client(temp2).send(new GetSecretValueCommand({ SecretId: 'role-locked' })))).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('throttles through the fault hook, and the SDK retries throttling', async () => {
    sm.putSecret('busy', 'v');
    sm.resetRequests();
    sm.fail({ action: 'GetSecretValue', count: 2 });
    const out = await client(alice).send(new GetSecretValueCommand({ SecretId: 'busy' }));
    expect(out.SecretString).toBe('v');
    expect(out.$metadata.attempts).toBe(3);
    expect(sm.requests().map((r) => r.error ?? r.status)).toEqual(['ThrottlingException', 'ThrottlingException', 200]);
    sm.fail({ action: 'GetSecretValue', count: 1 });
    expect(await failure(client(alice, { maxAttempts: 1 }).send(new GetSecretValueCommand({ SecretId: 'busy' })))).toMatchObject({ name: 'ThrottlingException', status: 400, message: 'Rate exceeded' });
  });

  it('is reached through AWS_ENDPOINT_URL_SECRETS_MANAGER in a child process', async () => {
    sm.putSecret('env-secret', 'from-env');
    const script = `
      import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
      const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: 'env-secret' }));
      process.stdout.write(String(out.SecretString === 'from-env'));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey },
    });
    expect(stdout).toBe('true');
    expect(sm.requests().at(-1)).toMatchObject({ action: 'GetSecretValue', identity: alice.arn, status: 200 });
  });

  it('never logs a secret value', () => {
    expect(JSON.stringify(sm.requests())).not.toMatch(/ghp_first|from-env|three/);
  });
});
