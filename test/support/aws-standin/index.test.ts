import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
