import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** infra/settings.cjs: defaults, checks, and the per-function IAM statements for filled-in settings. */
const require = createRequire(import.meta.url);
type Statement = { Effect: string; Action: string[]; Resource: unknown[] };
type Role = { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } };
const settings = require('../../infra/settings.cjs') as {
  load(file?: string, options?: { stage?: string; region?: string }): Record<string, unknown> & { vpc: { subnetIds: string[] } };
  resources(s: Record<string, unknown>): Record<string, Role | { Type: string; Properties: Record<string, unknown> }>;
};

function settingsFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'driftless-settings-')), 'settings.yml');
  writeFileSync(file, text);
  return file;
}

const statements = (role: unknown): Statement[] => (role as Role).Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
const actionsOf = (role: unknown) => statements(role).flatMap((s) => s.Action);

describe('infra/settings.cjs', () => {
  it('a missing file means every default; the visibility timeout is 6 × the worker timeout', () => {
    const s = settings.load('/nonexistent/settings.yml');
    expect(s).toMatchObject({ stage: 'dev', region: 'us-east-1', driftSchedule: 'rate(10 minutes)', workerConcurrency: 10, workerTimeout: 900, visibilityTimeout: 5400, maxReceiveCount: 3, functionVpc: null });
  });

  it('the committed infra/settings.yml holds exactly the defaults', () => {
    const { resources: _r, ...fromFile } = settings.load() as Record<string, unknown>;
    const { resources: _d, ...defaults } = settings.load('/nonexistent/settings.yml') as Record<string, unknown>;
    expect(fromFile).toEqual(defaults);
  });

  it('--stage and --region win over the file', () => {
    expect(settings.load('/nonexistent/settings.yml', { stage: 'prod', region: 'eu-west-1' })).toMatchObject({ stage: 'prod', region: 'eu-west-1' });
  });

  it('refuses an unknown field, a concurrency Lambda would refuse, and half a VPC, naming the field', () => {
    expect(() => settings.load(settingsFile('workerConcurency: 5\n'))).toThrow(/unknown field "workerConcurency"/);
    expect(() => settings.load(settingsFile('workerConcurrency: 1\n'))).toThrow(/workerConcurrency must be a whole number from 2 to 1000/);
    expect(() => settings.load(settingsFile('workerTimeout: 1200\n'))).toThrow(/workerTimeout .* 60 to 900/);
    expect(() => settings.load(settingsFile('vpc:\n  subnetIds: [subnet-1]\n'))).toThrow(/vpc needs both/);
    expect(() => settings.load(settingsFile('config: ../prod.yaml\n'))).toThrow(/config must be a path inside the repository/);
    expect(() => settings.load(settingsFile('secretPrefix: "driftless/*"\n'))).toThrow(/secretPrefix/);
  });

  it('filled in: secrets by name with the six random characters, a prefix, roles, keys and clusters, VPC', () => {
    const s = settings.load(settingsFile([
      'secrets: [driftless/github-token, driftless/webhook]',
      'secretPrefix: driftless/kube/',
      'clusterRoles: ["arn:aws:iam::111122223333:role/driftless-deployer"]',
      'clusters: [prod]',
      'kmsKeys: ["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]',
      'vpc: { subnetIds: [subnet-1, subnet-2], securityGroupIds: [sg-1] }',
    ].join('\n')));
    expect(s.functionVpc).toEqual({ subnetIds: ['subnet-1', 'subnet-2'], securityGroupIds: ['sg-1'] });
    const r = settings.resources(s);
    const secrets = statements(r.WorkerRole).find((x) => x.Action.includes('secretsmanager:GetSecretValue'))!;
    expect(secrets.Resource).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:driftless/github-token-??????' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:driftless/webhook-??????' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:driftless/kube/*' },
    ]);
    expect(statements(r.WorkerRole).find((x) => x.Action.includes('sts:AssumeRole'))!.Resource).toEqual(['arn:aws:iam::111122223333:role/driftless-deployer']);
    expect(statements(r.WorkerRole).find((x) => x.Action.includes('kms:Decrypt'))!.Resource).toHaveLength(1);
    expect(statements(r.WorkerRole).find((x) => x.Action.includes('eks:DescribeCluster'))!.Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/prod' }]);
    // The drift function only resolves branch heads and queues work: no cluster, no blob cache.
    for (const a of ['sts:AssumeRole', 'eks:DescribeCluster', 's3:GetObject', 's3:PutObject']) expect(actionsOf(r.DriftRole)).not.toContain(a);
    expect(actionsOf(r.DriftRole)).toEqual(expect.arrayContaining(['sqs:SendMessage', 'dynamodb:PutItem', 'secretsmanager:GetSecretValue']));
    // The http function reads secrets (webhook secret, tokens) but never reaches a cluster or a VPC.
    expect(actionsOf(r.HttpRole)).toContain('secretsmanager:GetSecretValue');
    for (const a of ['sts:AssumeRole', 'eks:DescribeCluster', 'ec2:CreateNetworkInterface']) expect(actionsOf(r.HttpRole)).not.toContain(a);
    // Network interfaces have no narrower resource than '*': the only one, and only with a VPC.
    const wildcard = statements(r.WorkerRole).filter((x) => x.Resource.includes('*'));
    expect(wildcard.flatMap((x) => x.Action).every((a) => a.startsWith('ec2:'))).toBe(true);
    expect(wildcard).toHaveLength(1);
  });

  it('an alarm e-mail adds its SNS subscription', () => {
    expect(settings.resources(settings.load(settingsFile('alarmEmail: ops@example.com\n'))).AlarmEmailSubscription).toMatchObject({ Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', Endpoint: 'ops@example.com' } });
    expect(settings.resources(settings.load('/nonexistent/settings.yml')).AlarmEmailSubscription).toBeUndefined();
  });
});
