import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Iam } from './iam.ts';
import type { Identity } from './iam.ts';
import { startEksStandin } from './eks.ts';
import type { EksStandin } from './eks.ts';

let eks: EksStandin;
let alice: Identity;
let bob: Identity;
const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const client = (who: Pick<Identity, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>, maxAttempts = 3): EKSClient =>
  new EKSClient({ region: 'us-east-1', endpoint: eks.url, maxAttempts, credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey, sessionToken: who.sessionToken } });

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  const iam = new Iam();
  alice = iam.addUser('alice');
  bob = iam.addUser('bob');
  eks = await startEksStandin({ iam, clusters: [{ name: 'prod', endpoint: 'https://127.0.0.1:6443', caPem }] });
});
afterAll(() => eks.close());

describe('EKS stand-in with the real SDK', () => {
  it('describes a cluster in the shape the SDK parses', async () => {
    const out = await client(alice).send(new DescribeClusterCommand({ name: 'prod' }));
    const c = out.cluster!;
    expect(c).toMatchObject({ name: 'prod', arn: 'arn:aws:eks:us-east-1:111122223333:cluster/prod', endpoint: 'https://127.0.0.1:6443', status: 'ACTIVE', version: '1.34' });
    expect(Buffer.from(c.certificateAuthority!.data!, 'base64').toString()).toBe(caPem);
    expect(c.createdAt).toBeInstanceOf(Date);
    expect(eks.requests().at(-1)).toEqual({ service: 'eks', action: 'DescribeCluster', identity: alice.arn, accessKeyId: alice.accessKeyId, status: 200 });
  });

  it('answers ResourceNotFoundException 404 and AccessDeniedException 403', async () => {
    expect(await failure(client(alice).send(new DescribeClusterCommand({ name: 'gone' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404, message: 'No cluster found for name: gone.' });
    const { arn } = eks.addCluster({ name: 'locked', endpoint: 'https://127.0.0.1:1', caPem, allow: [alice.arn] });
    expect((await client(alice).send(new DescribeClusterCommand({ name: 'locked' }))).cluster?.arn).toBe(arn);
    expect(await failure(client(bob).send(new DescribeClusterCommand({ name: 'locked' })))).toMatchObject({ name: 'AccessDeniedException', status: 403, message: `User: ${bob.arn} is not authorized to perform: eks:DescribeCluster on resource: ${arn}` });
  });

  it('accepts assumed-role credentials when access names the role', async () => {
    const role = eks.iam.addRole({ name: 'deployer', trust: [alice.arn] });
    eks.addCluster({ name: 'cross', endpoint: 'https://127.0.0.1:2', caPem, allow: [role.arn] });
    const temp = eks.iam.issue(role, 'driftless-app', 900);
    expect((await client(temp).send(new DescribeClusterCommand({ name: 'cross' }))).cluster?.name).toBe('cross');
    expect(await failure(client(alice).send(new DescribeClusterCommand({ name: 'cross' })))).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('refuses bad signatures and unknown keys', async () => {
    expect(await failure(client({ ...alice, secretAccessKey: 'x' }, 1).send(new DescribeClusterCommand({ name: 'prod' })))).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(await failure(client({ ...alice, accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ' }, 1).send(new DescribeClusterCommand({ name: 'prod' })))).toMatchObject({ name: 'UnrecognizedClientException', status: 403 });
  });

  it('throttles through the fault hook, and the SDK retries', async () => {
    eks.resetRequests();
    eks.fail({ action: 'DescribeCluster', count: 1 });
    const out = await client(alice).send(new DescribeClusterCommand({ name: 'prod' }));
    expect(out.$metadata.attempts).toBe(2);
    expect(eks.requests().map((r) => r.error ?? r.status)).toEqual(['ThrottlingException', 200]);
  });

  it('is reached through AWS_ENDPOINT_URL_EKS in a child process', async () => {
    const script = `
      import { EKSClient, DescribeClusterCommand } from '@aws-sdk/client-eks';
      const out = await new EKSClient({}).send(new DescribeClusterCommand({ name: 'prod' }));
      process.stdout.write(out.cluster.endpoint);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, AWS_ENDPOINT_URL_EKS: eks.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey },
    });
    expect(stdout).toBe('https://127.0.0.1:6443');
  });
});
