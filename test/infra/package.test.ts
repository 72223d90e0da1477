import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageAll } from '../../bin/package.ts';

/**
 * `npm run package` once, offline and without AWS credentials, then the CloudFormation template it
 * wrote, point by point against what serverless.yml promises (issue 13 item 1).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const settings = (require(path.join(root, 'infra', 'settings.cjs')) as { load(): Record<string, unknown> }).load();

type Json = Record<string, unknown>;
interface Resource { Type: string; Properties: Json; DeletionPolicy?: string; DependsOn?: string[] }
let resources: Record<string, Resource>;
const ofType = (type: string): [string, Resource][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const fn = (name: string): Json => resources[`${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`]!.Properties;

beforeAll(async () => {
  // Whatever credentials the developer has must not matter: packaging works without any.
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[key];
  process.env.AWS_CONFIG_FILE = '/nonexistent';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent';
  // No instance metadata lookups from a developer machine or CI runner.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  await packageAll([], { quiet: true });
  const template = JSON.parse(readFileSync(path.join(root, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8')) as { Resources: Record<string, Resource> };
  resources = template.Resources;
}, 180_000);

describe('functions', () => {
  it('run Node 22 on x86-64 with the timeouts and memory of the settings', () => {
    for (const name of ['http', 'worker', 'drift']) {
      expect(fn(name).Runtime).toBe('nodejs22.x');
      expect(fn(name).Architectures).toEqual(['x86_64']);
      expect(fn(name).Handler).toBe(`.build/${name}/index.handler`);
    }
    expect(fn('http')).toMatchObject({ MemorySize: 256, Timeout: 29 });
    expect(fn('worker')).toMatchObject({ MemorySize: settings.workerMemory, Timeout: 900 });
    expect(fn('drift')).toMatchObject({ Timeout: settings.driftTimeout });
    // The drift function holds an app's queued check pending for as long as a worker may take with it.
    expect((fn('drift').Environment as { Variables: Json }).Variables).toMatchObject({ DRIFTLESS_WORKER_TIMEOUT: '900' });
  });

  it('read the packaged config through an environment variable', () => {
    for (const name of ['http', 'worker', 'drift']) {
      expect((fn(name).Environment as { Variables: Json }).Variables).toMatchObject({ DRIFTLESS_CONFIG: 'driftless.yaml', DRIFTLESS_QUEUE_URL: { Ref: 'SyncQueue' }, DRIFTLESS_TABLE: { Ref: 'StateTable' } });
    }
  });

  it('attach the kubectl layer to the worker only', () => {
    const [[layerId, layer]] = ofType('AWS::Lambda::LayerVersion') as [[string, Resource]];
    expect(layer.Properties.CompatibleArchitectures).toEqual(['x86_64']);
    expect(fn('worker').Layers).toEqual([{ Ref: layerId }]);
    expect(fn('http').Layers).toBeUndefined();
    expect(fn('drift').Layers).toBeUndefined();
  });

  it('http is behind an HTTP API (API Gateway v2)', () => {
    expect(ofType('AWS::ApiGatewayV2::Api')).toHaveLength(1);
    const [[, integration]] = ofType('AWS::ApiGatewayV2::Integration') as [[string, Resource]];
    expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
  });

  it('worker takes one FIFO message at a time, reports batch item failures, with bounded concurrency', () => {
    const [[, mapping]] = ofType('AWS::Lambda::EventSourceMapping') as [[string, Resource]];
    expect(mapping.Properties).toMatchObject({
      BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 10 },
      EventSourceArn: { 'Fn::GetAtt': ['SyncQueue', 'Arn'] },
    });
  });

  it('drift runs on an EventBridge schedule, every 10 minutes by default', () => {
    const [[, rule]] = ofType('AWS::Events::Rule') as [[string, Resource]];
    expect(rule.Properties.ScheduleExpression).toBe('rate(10 minutes)');
    expect(JSON.stringify(rule.Properties.Targets)).toContain('DriftLambdaFunction');
  });

  it('logs are kept for the configured days', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.map(([id]) => id).sort()).toEqual(['DriftLogGroup', 'HttpLogGroup', 'WorkerLogGroup']);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(14);
  });
});

describe('queue', () => {
  it('is FIFO with a FIFO dead-letter queue after 3 receives, explicit deduplication ids', () => {
    const queue = resources.SyncQueue!.Properties;
    expect(queue).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: false, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: 3 } });
    expect(String(queue.QueueName)).toMatch(/\.fifo$/);
    expect(resources.DeadLetterQueue!.Properties).toMatchObject({ FifoQueue: true });
    expect(String(resources.DeadLetterQueue!.Properties.QueueName)).toMatch(/\.fifo$/);
  });

  it('hides a received message for at least 6 × the worker timeout', () => {
    expect(resources.SyncQueue!.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn('worker').Timeout as number));
  });

  it('alarms an SNS topic when the dead-letter queue holds a message, and not on missing data', () => {
    const [[, alarm]] = ofType('AWS::CloudWatch::Alarm') as [[string, Resource]];
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching', AlarmActions: [{ Ref: 'AlarmTopic' }],
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
    });
    expect(resources.AlarmTopic!.Type).toBe('AWS::SNS::Topic');
  });
});

describe('state and cache', () => {
  it('the table is on demand, with TTL, point-in-time recovery, and kept when the stack goes', () => {
    const table = resources.StateTable!;
    expect((table.Properties.GlobalSecondaryIndexes as { IndexName: string }[]).map((i) => i.IndexName)).toEqual(['gsi1', 'gsi2']);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('the bucket blocks public access, is encrypted, expires blobs, and is kept when the stack goes', () => {
    const bucket = resources.ContentCacheBucket!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(JSON.stringify(bucket.Properties.BucketEncryption)).toContain('AES256');
    expect(bucket.Properties.LifecycleConfiguration).toMatchObject({ Rules: [{ Status: 'Enabled', ExpirationInDays: 30 }] });
  });

  it('names nothing that needs an AWS call at package time', () => {
    const text = readFileSync(path.join(root, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8');
    expect(text).not.toMatch(/\$\{(aws:|ssm:|cf:|self:|file\()/);
  });
});

describe('roles', () => {
  type Statement = { Effect: string; Action: string[]; Resource: unknown[] };
  const statements = (role: string): Statement[] =>
    (resources[role]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);

  it('one per function, and no other', () => {
    expect(ofType('AWS::IAM::Role').map(([id]) => id).sort()).toEqual(['DriftRole', 'HttpRole', 'WorkerRole']);
    expect(fn('http').Role).toEqual({ 'Fn::GetAtt': ['HttpRole', 'Arn'] });
    expect(fn('worker').Role).toEqual({ 'Fn::GetAtt': ['WorkerRole', 'Arn'] });
    expect(fn('drift').Role).toEqual({ 'Fn::GetAtt': ['DriftRole', 'Arn'] });
  });

  it('grant no wildcard action or resource and use no managed policy', () => {
    for (const role of ['HttpRole', 'WorkerRole', 'DriftRole']) {
      expect(resources[role]!.Properties.ManagedPolicyArns).toBeUndefined();
      for (const s of statements(role)) {
        expect(s.Effect).toBe('Allow');
        for (const action of s.Action) expect(action).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
        expect(s.Resource.length).toBeGreaterThan(0);
        for (const resource of s.Resource) expect(resource).not.toBe('*');
      }
    }
  });

  it('write logs only to the function\'s own log group', () => {
    for (const name of ['http', 'worker', 'drift']) {
      const logs = statements(`${name[0]!.toUpperCase()}${name.slice(1)}Role`).filter((s) => s.Action.some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/driftless-dev-${name}:*` }] }]);
    }
  });

  it('reach only the named queue, table and bucket; only the worker receives and changes visibility', () => {
    const worker = statements('WorkerRole');
    const sqs = worker.find((s) => s.Action.includes('sqs:ReceiveMessage'))!;
    expect(sqs.Action).toEqual(expect.arrayContaining(['sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes']));
    expect(sqs.Resource).toEqual([{ 'Fn::GetAtt': ['SyncQueue', 'Arn'] }]);
    expect(statements('HttpRole').flatMap((s) => s.Action)).not.toContain('sqs:ReceiveMessage');
    expect(statements('HttpRole').flatMap((s) => s.Action).some((a) => a.startsWith('s3:'))).toBe(false);
    for (const role of ['HttpRole', 'WorkerRole', 'DriftRole']) {
      const resourcesOf = (prefix: string) => statements(role).filter((s) => s.Action.some((a) => a.startsWith(prefix))).flatMap((s) => s.Resource);
      expect(resourcesOf('dynamodb:')).toEqual([{ 'Fn::GetAtt': ['StateTable', 'Arn'] }, { 'Fn::Sub': '${StateTable.Arn}/index/*' }]);
      for (const r of resourcesOf('s3:')) expect([{ 'Fn::Sub': '${ContentCacheBucket.Arn}/*' }, { 'Fn::GetAtt': ['ContentCacheBucket', 'Arn'] }]).toContainEqual(r);
      expect(statements(role).flatMap((s) => s.Action)).not.toContain('dynamodb:Scan');
    }
  });

  it('leave out the statements the default settings give nothing to (secrets, keys, roles, clusters)', () => {
    for (const role of ['HttpRole', 'WorkerRole', 'DriftRole']) {
      const actions = statements(role).flatMap((s) => s.Action);
      for (const absent of ['secretsmanager:GetSecretValue', 'kms:Decrypt', 'sts:AssumeRole', 'eks:DescribeCluster']) expect(actions).not.toContain(absent);
    }
  });
});

describe('zips', () => {
  it('exist per function, the http one under 500 KB', () => {
    const size = (name: string) => statSync(path.join(root, '.serverless', `${name}.zip`)).size;
    expect(size('http')).toBeLessThan(500 * 1024);
    expect(size('worker')).toBeGreaterThan(0);
    expect(size('drift')).toBeGreaterThan(0);
  });

  it('hold the function\'s own bundle only; the worker and drift zips carry their source maps', () => {
    const entries = (name: string) => Object.keys(unzipSync(readFileSync(path.join(root, '.serverless', `${name}.zip`)))).sort();
    expect(entries('http')).toEqual(['.build/http/index.mjs']);
    expect(entries('worker')).toEqual(['.build/worker/index.mjs', '.build/worker/index.mjs.map']);
    expect(entries('drift')).toEqual(['.build/drift/index.mjs', '.build/drift/index.mjs.map']);
    const head = readFileSync(path.join(root, '.build', 'worker', 'index.mjs'), 'utf8').slice(0, 200);
    expect(head).toContain("import { createRequire as __driftlessCreateRequire } from 'node:module'");
  });

  it('the http bundle leaves out the Kubernetes client and the renderer; the worker has them', () => {
    const inputs = (name: string) => Object.keys((JSON.parse(readFileSync(path.join(root, '.build', `${name}.meta.json`), 'utf8')) as { inputs: Json }).inputs);
    const http = inputs('http');
    expect(http.some((f) => f.includes('node_modules/@kubernetes/client-node/'))).toBe(false);
    expect(http.some((f) => f.startsWith('src/render/') || f.startsWith('src/apply/') || f.startsWith('src/tools/'))).toBe(false);
    expect(http).toContain('src/http/app.ts');
    expect(inputs('worker').some((f) => f.includes('node_modules/@kubernetes/client-node/'))).toBe(true);
  });

  it('every bundle carries the DynamoDB and SQS clients; only the worker, which syncs and checks drift, the S3 client', () => {
    const inputs = (name: string) => Object.keys((JSON.parse(readFileSync(path.join(root, '.build', `${name}.meta.json`), 'utf8')) as { inputs: Json }).inputs);
    const has = (name: string, pkg: string) => inputs(name).some((f) => f.includes(`node_modules/@aws-sdk/${pkg}/`));
    for (const name of ['http', 'worker', 'drift']) expect(has(name, 'client-dynamodb') && has(name, 'client-sqs')).toBe(true);
    expect(has('http', 'client-s3')).toBe(false);
    expect(has('drift', 'client-s3')).toBe(false);
    expect(has('worker', 'client-s3')).toBe(true);
  });

  it('each bundle loads in a plain Node process (ESM, CommonJS dependencies through the banner); http answers a real event', () => {
    for (const name of ['worker', 'drift']) {
      const url = pathToFileURL(path.join(root, '.build', name, 'index.mjs')).href;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); console.log(typeof m.handler)`], { cwd: '/tmp', encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('function');
    }
    // Without the environment serverless.yml sets, the http function answers 503 naming what is missing.
    const url = pathToFileURL(path.join(root, '.build', 'http', 'index.mjs')).href;
    const event = { version: '2.0', routeKey: '$default', rawPath: '/healthz', rawQueryString: '', headers: {}, isBase64Encoded: false, body: null,
      requestContext: { http: { method: 'GET', path: '/healthz', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'curl' }, stage: '$default', requestId: 'r', routeKey: '$default', accountId: '123456789012', apiId: 'abc', domainName: 'abc.execute-api.us-east-1.amazonaws.com', domainPrefix: 'abc', time: '', timeEpoch: 0 } };
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DRIFTLESS_')));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); console.log(JSON.stringify(await m.handler(${JSON.stringify(event)}, {})))`], { cwd: '/tmp', encoding: 'utf8', env });
    const response = JSON.parse(r.stdout.trim()) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'CONFIG_INVALID', message: expect.stringContaining('DRIFTLESS_CONFIG') } });
  });
});
