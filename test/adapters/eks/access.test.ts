import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { createEksAccess } from '../../../src/adapters/eks/access.ts';
import { KubernetesCluster } from '../../../src/adapters/kubernetes/client.ts';
import { startAwsStandins, type AwsStandins, type Identity } from '../../support/aws-standin/index.ts';

/* EKS access with the real STS and EKS clients against the stand-ins, and a sandbox that checks the tokens. */

let aws: AwsStandins;
let sb: Sandbox;
let worker: Identity;
let roleArn: string;
const savedEnv = { ...process.env };
const namespaces = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };

beforeAll(async () => {
  aws = await startAwsStandins({ region: 'eu-west-1' });
  worker = aws.iam.addUser('lambda');
  roleArn = aws.sts.addRole({ name: 'deployer', trust: [worker.arn], externalId: 'ext-1' }).arn;
  sb = await startSandbox({ controllers: false, eks: { cluster: 'prod', stsEndpoint: aws.sts.url, accessEntries: [{ principalArn: roleArn, groups: ['system:masters'] }, { principalArn: worker.arn, groups: ['system:masters'] }] } });
  aws.eks.addCluster({ name: 'prod', endpoint: sb.url, caPem: sb.caPem, allow: [roleArn, worker.arn] });
  Object.assign(process.env, aws.envFor(worker, 'eu-west-1'));
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([sb?.stop(), aws?.close()]);
});

function clientFor(access: ReturnType<typeof createEksAccess>, endpoint: { server: string; caData: string }): KubernetesCluster {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'prod', server: endpoint.server, caData: endpoint.caData }], users: [{ name: 'eks' }], contexts: [{ name: 'prod', cluster: 'prod', user: 'eks' }], currentContext: 'prod' });
  return new KubernetesCluster(kc, { token: () => access.token(), unauthorized: async () => access.renew() });
}

describe('EKS access', () => {
  it('assumes the role with the external id and session driftless-<app>, describes the cluster as that role, and caches the token', async () => {
    const access = createEksAccess({ cluster: 'prod', region: 'eu-west-1', roleArn, externalId: 'ext-1', app: 'web' });
    const endpoint = await access.endpoint();
    expect(endpoint.server).toBe(sb.url);
    expect(Buffer.from(endpoint.caData, 'base64').toString()).toBe(sb.caPem);
    expect(aws.eks.requests().at(-1)?.identity).toBe('arn:aws:sts::111122223333:assumed-role/deployer/driftless-web');
    const token = await access.token();
    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(await access.token()).toBe(token);
    const list = await clientFor(access, endpoint).list(namespaces);
    expect(list.map((n) => n.metadata.name)).toContain('default');
    expect((await clientFor(access, endpoint).whoAmI())?.username).toBe('arn:aws:sts::111122223333:assumed-role/deployer/driftless-web');
    expect(aws.sts.requests().filter((r) => r.action === 'AssumeRole')).toHaveLength(1);
  });

  it('without roleArn, signs with the environment\'s own credentials', async () => {
    const access = createEksAccess({ cluster: 'prod', region: 'eu-west-1' });
    const client = clientFor(access, await access.endpoint());
    expect((await client.whoAmI())?.username).toBe(worker.arn);
  });

  it('a token the cluster refuses is dropped with the role credentials, re-minted, and the request tried once more', async () => {
    const access = createEksAccess({ cluster: 'prod', region: 'eu-west-1', roleArn, externalId: 'ext-1', app: 'web' });
    const client = clientFor(access, await access.endpoint());
    const first = await access.token();
    const assumedBefore = aws.sts.requests().filter((r) => r.action === 'AssumeRole').length;
    // STS refuses the presigned call the cluster makes for this token, so the cluster answers 401.
    aws.sts.fail({ action: 'GetCallerIdentity', count: 1, code: 'ExpiredToken', status: 403, message: 'The security token included in the request is expired' });
    const list = await client.list(namespaces);
    expect(list.length).toBeGreaterThan(0);
    expect(await access.token()).not.toBe(first);
    expect(aws.sts.requests().filter((r) => r.action === 'AssumeRole').length - assumedBefore).toBe(1);
  });

  it('tokens are used for at most 10 minutes', async () => {
    let now = Date.now();
    const access = createEksAccess({ cluster: 'prod', region: 'eu-west-1', roleArn, externalId: 'ext-1', now: () => now });
    const first = await access.token();
    now += 9 * 60_000;
    expect(await access.token()).toBe(first);
    now += 60_000;
    expect(await access.token()).not.toBe(first);
  });

  it('a role the cluster does not map: 401 stands after one renewal, and renewals are rate limited', async () => {
    const stranger = aws.sts.addRole({ name: 'stranger', trust: [worker.arn] }).arn;
    aws.eks.addCluster({ name: 'prod', endpoint: sb.url, caPem: sb.caPem, allow: [roleArn, worker.arn, stranger] });
    const access = createEksAccess({ cluster: 'prod', region: 'eu-west-1', roleArn: stranger });
    const client = clientFor(access, await access.endpoint());
    await expect(client.list(namespaces)).rejects.toMatchObject({ code: 'CLUSTER_UNAUTHORIZED', details: { status: 401 } });
    const assumed = aws.sts.requests().filter((r) => r.action === 'AssumeRole').length;
    for (let i = 0; i < 3; i++) await expect(client.list(namespaces)).rejects.toMatchObject({ code: 'CLUSTER_UNAUTHORIZED' });
    expect(aws.sts.requests().filter((r) => r.action === 'AssumeRole').length).toBe(assumed);
  });

  it('AssumeRole refused (wrong external id) and an unknown cluster are named errors', async () => {
    const wrong = createEksAccess({ cluster: 'prod', region: 'eu-west-1', roleArn, externalId: 'not-it' });
    await expect(wrong.endpoint()).rejects.toMatchObject({ code: 'CLUSTER_UNAUTHORIZED', message: expect.stringContaining(`sts:AssumeRole on ${roleArn}`) });
    const unknown = createEksAccess({ cluster: 'nope', region: 'eu-west-1', roleArn, externalId: 'ext-1' });
    await expect(unknown.endpoint()).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('EKS cluster nope not found in eu-west-1') });
  });
});
