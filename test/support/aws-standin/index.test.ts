import { Sha256 } from '@aws-crypto/sha256-js';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../sandbox/index.ts';
import { startAwsStandins } from './index.ts';
import type { AwsStandins } from './index.ts';

let aws: AwsStandins;
beforeAll(async () => { aws = await startAwsStandins({ clusters: [{ name: 'prod', endpoint: 'https://127.0.0.1:6443', caPem: 'PEM' }] }); });
afterAll(() => aws.close());

describe('startAwsStandins', () => {
  it('lets credentials issued by STS call Secrets Manager and EKS, and logs who called', async () => {
    const worker = aws.iam.addUser('worker');
    const role = aws.sts.addRole({ name: 'driftless', trust: [worker.arn] });
    aws.secretsManager.putSecret('kube', '{"token":"t0p"}');
    aws.eks.addCluster({ name: 'other', endpoint: 'https://127.0.0.1:1', caPem: 'PEM', allow: [role.arn] });
    const sts = new STSClient({ region: 'eu-west-1', endpoint: aws.env.AWS_ENDPOINT_URL_STS, credentials: worker });
    const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'driftless-app' }));
    const credentials = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
    const sm = new SecretsManagerClient({ region: 'eu-west-1', endpoint: aws.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, credentials });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'kube' }))).SecretString).toBe('{"token":"t0p"}');
    const eks = new EKSClient({ region: 'eu-west-1', endpoint: aws.env.AWS_ENDPOINT_URL_EKS, credentials });
    expect((await eks.send(new DescribeClusterCommand({ name: 'other' }))).cluster?.endpoint).toBe('https://127.0.0.1:1');
    const assumed = 'arn:aws:sts::111122223333:assumed-role/driftless/driftless-app';
    expect(aws.secretsManager.requests().at(-1)).toMatchObject({ action: 'GetSecretValue', identity: assumed });
    expect(aws.eks.requests().at(-1)).toMatchObject({ action: 'DescribeCluster', identity: assumed });
    const everything = JSON.stringify([aws.sts.requests(), aws.secretsManager.requests(), aws.eks.requests()]);
    expect(everything).not.toContain('t0p');
    expect(everything).not.toContain(credentials.secretAccessKey);
    expect(everything).not.toContain(credentials.sessionToken);
  });
});

describe('the EKS chain: STS stand-in, EKS stand-in and a sandbox that accepts EKS tokens', () => {
  it('assumes a role, describes the cluster, mints a token and lists pods as the mapped user', async () => {
    const worker = aws.iam.addUser('chain-worker');
    const role = aws.sts.addRole({ name: 'chain', account: '444455556666', trust: [worker.arn], externalId: 'x-1' });
    const sb = await startSandbox({ controllers: false, eks: { cluster: 'chain', stsEndpoint: aws.sts.url, accessEntries: [{ principalArn: role.arn, groups: ['system:masters'] }] } });
    try {
      aws.eks.addCluster({ name: 'chain', endpoint: sb.url, caPem: sb.caPem, account: '444455556666', allow: [role.arn] });
      const { Credentials: c } = await new STSClient({ region: 'us-east-1', endpoint: aws.sts.url, credentials: worker }).send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'driftless-web', ExternalId: 'x-1' }));
      const credentials = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
      const { cluster } = await new EKSClient({ region: 'us-east-1', endpoint: aws.eks.url, credentials }).send(new DescribeClusterCommand({ name: 'chain' }));
      const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'sts', sha256: Sha256 });
      const host = 'sts.us-east-1.amazonaws.com';
      const presigned = await signer.presign(new HttpRequest({ method: 'GET', protocol: 'https:', hostname: host, path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host, 'x-k8s-aws-id': 'chain' } }), { expiresIn: 60 });
      const url = new URL(`https://${host}/`);
      for (const [k, v] of Object.entries(presigned.query ?? {})) url.searchParams.set(k, String(v));
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'chain', server: cluster!.endpoint!, caData: cluster!.certificateAuthority!.data! }],
        users: [{ name: 'eks', token: `k8s-aws-v1.${Buffer.from(url.toString()).toString('base64url')}` }],
        contexts: [{ name: 'chain', cluster: 'chain', user: 'eks' }], currentContext: 'chain',
      });
      expect((await kc.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name)).toContain('default');
      expect(aws.sts.requests().at(-1)).toMatchObject({ action: 'GetCallerIdentity', identity: 'arn:aws:sts::444455556666:assumed-role/chain/driftless-web', status: 200 });
      expect(aws.envFor(credentials)).toMatchObject({ AWS_SESSION_TOKEN: credentials.sessionToken, AWS_ENDPOINT_URL_EKS: aws.eks.url, AWS_REGION: 'us-east-1' });
    } finally {
      await sb.stop();
    }
  });
});
