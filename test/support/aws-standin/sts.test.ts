import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Sha256 } from '@aws-crypto/sha256-js';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Iam } from './iam.ts';
import type { Identity } from './iam.ts';
import { startStsStandin } from './sts.ts';
import type { StsStandin } from './sts.ts';

let sts: StsStandin;
let alice: Identity;
let mallory: Identity;

type Creds = Pick<Identity, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>;
const client = (who: Creds, maxAttempts = 3): STSClient =>
  new STSClient({ region: 'us-east-1', endpoint: sts.url, maxAttempts, credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey, sessionToken: who.sessionToken } });

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

/** What `aws eks get-token` signs: GET sts.<region>.amazonaws.com/?Action=GetCallerIdentity with x-k8s-aws-id. */
async function presignCallerIdentity(who: Creds, cluster: string, signingDate = new Date()): Promise<URL> {
  const signer = new SignatureV4({ credentials: who, region: 'us-east-1', service: 'sts', sha256: Sha256 });
  const req = new HttpRequest({ method: 'GET', protocol: 'https:', hostname: 'sts.us-east-1.amazonaws.com', path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: 'sts.us-east-1.amazonaws.com', 'x-k8s-aws-id': cluster } });
  const signed = await signer.presign(req, { expiresIn: 60, signingDate });
  const url = new URL('https://sts.us-east-1.amazonaws.com/');
  for (const [k, v] of Object.entries(signed.query ?? {})) url.searchParams.set(k, String(v));
  return url;
}

/** GETs a presigned URL at the stand-in, keeping the signed Host as the real endpoint would see it. */
async function getPresigned(url: URL, cluster: string): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  const target = new URL(sts.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: `${url.pathname}${url.search}`, headers: { host: url.host, 'x-k8s-aws-id': cluster, accept: 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const iam = new Iam();
  alice = iam.addUser('alice');
  mallory = iam.addUser('mallory');
  sts = await startStsStandin({ iam });
  sts.addRole({ name: 'deployer', trust: [alice.arn] });
  sts.addRole({ name: 'partner', account: '444455556666', trust: [alice.arn], externalId: 'ext-42' });
});
afterAll(() => sts.close());

describe('STS stand-in with the real SDK', () => {
  it('answers GetCallerIdentity for a user', async () => {
    const out = await client(alice).send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({ Arn: alice.arn, Account: '111122223333', UserId: alice.userId });
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sts.requests().at(-1)).toEqual({ service: 'sts', action: 'GetCallerIdentity', identity: alice.arn, accessKeyId: alice.accessKeyId, status: 200 });
  });

  it('assumes a role and the temporary credentials identify as the assumed role', async () => {
    const out = await client(alice).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111122223333:role/deployer', RoleSessionName: 'driftless-app', DurationSeconds: 900 }));
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.SessionToken).toBeTruthy();
    expect(c.Expiration).toBeInstanceOf(Date);
    expect(Math.abs(c.Expiration!.getTime() - Date.now() - 900_000)).toBeLessThan(5000);
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111122223333:assumed-role/deployer/driftless-app');
    const who = await client({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:sts::111122223333:assumed-role/deployer/driftless-app');
    expect(who.UserId).toMatch(/^AROA[A-Z2-7]+:driftless-app$/);
    // Without its session token the key is unknown.
    expect(await failure(client({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey! }, 1).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    sts.iam.expire(c.AccessKeyId!);
    expect(await failure(client({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken }, 1).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'ExpiredToken', status: 400, message: 'The security token included in the request is expired' });
  });

  it('requires the external id when the trust policy names one', async () => {
    const arn = 'arn:aws:iam::444455556666:role/partner';
    expect(await failure(client(alice).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'x1' })))).toMatchObject({ name: 'AccessDenied', status: 403, message: `User: ${alice.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}` });
    expect(await failure(client(alice).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'x1', ExternalId: 'wrong' })))).toMatchObject({ name: 'AccessDenied' });
    const ok = await client(alice).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'x1', ExternalId: 'ext-42' }));
    expect(ok.AssumedRoleUser?.Arn).toBe('arn:aws:sts::444455556666:assumed-role/partner/x1');
  });

  it('refuses untrusted callers, unknown roles and invalid session names with the real errors', async () => {
    const deployer = 'arn:aws:iam::111122223333:role/deployer';
    expect(await failure(client(mallory).send(new AssumeRoleCommand({ RoleArn: deployer, RoleSessionName: 'mm' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(await failure(client(alice).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111122223333:role/none', RoleSessionName: 'mm' })))).toMatchObject({ name: 'AccessDenied' });
    const long = 'a'.repeat(65);
    expect(await failure(client(alice).send(new AssumeRoleCommand({ RoleArn: deployer, RoleSessionName: long })))).toMatchObject({ name: 'ValidationError', status: 400, message: `1 validation error detected: Value '${long}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64` });
    expect(await failure(client(alice).send(new AssumeRoleCommand({ RoleArn: deployer, RoleSessionName: 'bad name' })))).toMatchObject({ name: 'ValidationError', message: expect.stringContaining('Member must satisfy regular expression pattern: [\\w+=,.@-]*') as string });
    expect(await failure(client(alice).send(new AssumeRoleCommand({ RoleArn: deployer, RoleSessionName: 'x' })))).toMatchObject({ name: 'ValidationError' });
    expect(await failure(client(alice).send(new AssumeRoleCommand({ RoleArn: deployer, RoleSessionName: 'ok', DurationSeconds: 7200 })))).toMatchObject({ name: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' });
  });

  it('refuses a bad signature and an unknown key', async () => {
    expect(await failure(client({ ...alice, secretAccessKey: 'nope' }, 1).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(await failure(client({ ...alice, accessKeyId: 'AKIAXXXXXXXXXXXXXXXX' }, 1).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403, message: 'The security token included in the request is invalid.' });
  });

  it('retries Throttling', async () => {
    sts.resetRequests();
    sts.fail({ action: 'AssumeRole', count: 1 });
    const out = await client(alice).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111122223333:role/deployer', RoleSessionName: 'retry' }));
    expect(out.$metadata.attempts).toBe(2);
    expect(sts.requests().map((r) => r.error ?? r.status)).toEqual(['Throttling', 200]);
  });

  it('verifies a presigned GetCallerIdentity (the EKS token) and answers JSON when asked', async () => {
    const url = await presignCallerIdentity(alice, 'prod');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    const ok = await getPresigned(url, 'prod');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ GetCallerIdentityResponse: { GetCallerIdentityResult: { Arn: alice.arn, Account: '111122223333', UserId: alice.userId } } });
    const wrongCluster = await getPresigned(url, 'staging');
    expect(wrongCluster.status).toBe(403);
    expect(JSON.parse(wrongCluster.body)).toMatchObject({ Error: { Code: 'SignatureDoesNotMatch' } });
    // X-Amz-Expires=60 is not enforced for this action: STS keeps the URL valid for 15 minutes.
    expect((await getPresigned(await presignCallerIdentity(alice, 'prod', new Date(Date.now() - 10 * 60_000)), 'prod')).status).toBe(200);
    const old = await getPresigned(await presignCallerIdentity(alice, 'prod', new Date(Date.now() - 16 * 60_000)), 'prod');
    expect(old.status).toBe(403);
    expect(JSON.parse(old.body)).toMatchObject({ Error: { Code: 'SignatureDoesNotMatch', Message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than/) as string } });
    const forged = await getPresigned(await presignCallerIdentity({ ...alice, secretAccessKey: 'x' }, 'prod'), 'prod');
    expect(forged.status).toBe(403);
  });

  it('is reached through AWS_ENDPOINT_URL_STS in a child process', async () => {
    const script = `
      import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
      const out = await new STSClient({}).send(new GetCallerIdentityCommand({}));
      process.stdout.write(out.Arn);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey },
    });
    expect(stdout).toBe(alice.arn);
  });
});
