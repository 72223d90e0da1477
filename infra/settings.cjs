/* global require, module, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- osls loads variable files with require(): CommonJS */
// infra/settings.yml with its defaults filled in and checked, plus the values derived from it
// (names, the visibility timeout, the IAM roles). serverless.yml reads everything through this
// file: osls resolves `${file(infra/settings.cjs):…}` by calling the exported function, offline,
// so packaging needs neither AWS credentials nor a settings file anyone wrote. It is CommonJS
// because osls loads variable files with require().
'use strict';

const { readFileSync, existsSync } = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');

const defaults = {
  stage: 'dev',
  region: 'us-east-1',
  config: 'driftless.yaml',
  driftSchedule: 'rate(10 minutes)',
  workerConcurrency: 10,
  workerTimeout: 900,
  workerMemory: 1024,
  driftTimeout: 300,
  driftMemory: 512,
  httpMemory: 256,
  maxReceiveCount: 3,
  logRetentionDays: 14,
  cacheExpiryDays: 30,
  pointInTimeRecovery: true,
  alarmEmail: '',
  vpc: { subnetIds: [], securityGroupIds: [] },
  secrets: [],
  secretPrefix: '',
  clusterRoles: [],
  clusters: [],
  kmsKeys: [],
};

/** The http function's timeout: API Gateway HTTP APIs stop waiting at 30 s. */
const httpTimeout = 29;

function fail(message) {
  throw new Error(`infra/settings.yml: ${message}`);
}

function list(value, field) {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) fail(`${field} must be a list of non-empty strings`);
  return value;
}

function int(value, field, min, max) {
  if (!Number.isInteger(value) || value < min || value > max) fail(`${field} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return value;
}

/** Reads the settings file (absent: every default), with `stage`/`region` overridable from the command line. */
function load(file = path.join(__dirname, 'settings.yml'), options = {}) {
  const raw = existsSync(file) ? (parse(readFileSync(file, 'utf8')) ?? {}) : {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fail('must be a mapping of field: value');
  for (const key of Object.keys(raw)) if (!(key in defaults)) fail(`unknown field "${key}" (fields: ${Object.keys(defaults).join(', ')})`);
  const s = { ...defaults, ...raw, vpc: { ...defaults.vpc, ...(raw.vpc ?? {}) } };
  if (options.stage) s.stage = options.stage;
  if (options.region) s.region = options.region;
  if (!/^[a-z0-9-]{1,16}$/.test(s.stage)) fail('stage must be 1-16 lowercase letters, digits or dashes');
  int(s.workerConcurrency, 'workerConcurrency', 2, 1000);
  int(s.workerTimeout, 'workerTimeout', 60, 900);
  int(s.driftTimeout, 'driftTimeout', 30, 900);
  for (const f of ['workerMemory', 'driftMemory', 'httpMemory']) int(s[f], f, 128, 10240);
  int(s.maxReceiveCount, 'maxReceiveCount', 1, 1000);
  int(s.logRetentionDays, 'logRetentionDays', 1, 3653);
  int(s.cacheExpiryDays, 'cacheExpiryDays', 1, 3650);
  // SQS caps a visibility timeout at 12 hours; 6 × the worker timeout is at most 90 minutes.
  s.visibilityTimeout = 6 * s.workerTimeout;
  for (const f of ['secrets', 'clusterRoles', 'clusters', 'kmsKeys']) list(s[f], f);
  list(s.vpc.subnetIds, 'vpc.subnetIds');
  list(s.vpc.securityGroupIds, 'vpc.securityGroupIds');
  if ((s.vpc.subnetIds.length === 0) !== (s.vpc.securityGroupIds.length === 0)) fail('vpc needs both subnetIds and securityGroupIds, or neither');
  if (typeof s.secretPrefix !== 'string' || /[*?]/.test(s.secretPrefix)) fail('secretPrefix must be a plain name prefix (no wildcards)');
  // The file is zipped at this path and read from the task root: it must lie inside the repository.
  if (typeof s.config !== 'string' || path.isAbsolute(s.config) || s.config.split(/[\\/]/).includes('..')) fail('config must be a path inside the repository, e.g. driftless.yaml');
  if (!/^(rate|cron)\(.+\)$/.test(s.driftSchedule)) fail('driftSchedule must be an EventBridge rate(...) or cron(...) expression');
  // null leaves the function outside any VPC.
  s.functionVpc = s.vpc.subnetIds.length > 0 ? { subnetIds: s.vpc.subnetIds, securityGroupIds: s.vpc.securityGroupIds } : null;
  s.httpTimeout = httpTimeout;
  return s;
}

const sub = (text) => ({ 'Fn::Sub': text });

/** The function's own log group, created by osls as /aws/lambda/<service>-<stage>-<function>. */
function logStatements(stage, fn) {
  return [
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/driftless-${stage}-${fn}:*`)] },
  ];
}

function secretStatements(s) {
  const resources = [
    ...s.secrets.map((name) => sub(`arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name}-??????`)),
    ...(s.secretPrefix ? [sub(`arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${s.secretPrefix}*`)] : []),
  ];
  const out = [];
  if (resources.length > 0) out.push({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: resources });
  if (s.kmsKeys.length > 0) out.push({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: s.kmsKeys });
  return out;
}

function clusterStatements(s) {
  const out = [];
  if (s.clusterRoles.length > 0) out.push({ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: s.clusterRoles });
  if (s.clusters.length > 0) {
    out.push({ Effect: 'Allow', Action: ['eks:DescribeCluster'], Resource: s.clusters.map((name) => sub(`arn:\${AWS::Partition}:eks:\${AWS::Region}:\${AWS::AccountId}:cluster/${name}`)) });
  }
  return out;
}

const queue = { 'Fn::GetAtt': ['SyncQueue', 'Arn'] };
const table = { 'Fn::GetAtt': ['StateTable', 'Arn'] };
const tableIndexes = sub('${StateTable.Arn}/index/*');
const cacheObjects = sub('${ContentCacheBucket.Arn}/*');
const bucket = { 'Fn::GetAtt': ['ContentCacheBucket', 'Arn'] };
// The state store reads by key and by query only (no Scan: src/adapters/state-dynamodb/table.ts).
const itemRead = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const itemWrite = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** What each function does with the queue, the table and the bucket, and nothing else. */
function dataStatements(fn) {
  const state = { Effect: 'Allow', Action: [...itemRead, ...itemWrite], Resource: [table, tableIndexes] };
  if (fn === 'http') {
    return [{ Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], Resource: [queue] }, state];
  }
  const cache = { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [cacheObjects] };
  // Without ListBucket, S3 answers a missing key with 403 instead of 404: a cache miss would look like an error.
  const cacheList = { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucket] };
  if (fn === 'worker') {
    return [
      { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:SendMessage'], Resource: [queue] },
      state, cache, cacheList,
    ];
  }
  // drift: resolves branch heads and queues syncs and drift checks; the workers render and read clusters.
  return [{ Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], Resource: [queue] }, state];
}

/** Statements of one function's role, in order; a statement with nothing to grant is left out. */
function statementsFor(s, fn) {
  return [
    ...logStatements(s.stage, fn),
    ...dataStatements(fn),
    ...secretStatements(s),
    // Only the worker reaches clusters (syncs and the drift checks the schedule queues).
    ...(fn === 'worker' ? clusterStatements(s) : []),
  ];
}

function vpcStatements(s) {
  // Lambda attaches network interfaces in the function's subnets; AWS offers no narrower resource for these.
  if (s.vpc.subnetIds.length === 0) return [];
  return [{
    Effect: 'Allow',
    Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
    Resource: ['*'],
  }];
}

function role(s, fn) {
  const statements = [...statementsFor(s, fn), ...(fn === 'http' ? [] : vpcStatements(s))];
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: sub(`driftless-${s.stage}-${fn}-\${AWS::Region}`),
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
      },
      Policies: [{ PolicyName: `driftless-${fn}`, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}

/** Resources that depend on the settings: one role per function, and the alarm e-mail subscription. */
function resources(s) {
  const out = { HttpRole: role(s, 'http'), WorkerRole: role(s, 'worker'), DriftRole: role(s, 'drift') };
  if (s.alarmEmail) {
    out.AlarmEmailSubscription = { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: s.alarmEmail } };
  }
  return out;
}

module.exports = async ({ options }) => {
  const s = load(undefined, { stage: options.stage, region: options.region });
  return { ...s, resources: { Resources: resources(s) } };
};
module.exports.load = load;
module.exports.resources = resources;
