import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { Webhooks } from '@octokit/webhooks';
import type { APIGatewayProxyResult, LambdaEvent } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import type { SqsBatchResponse, SqsEvent } from '../../functions/events.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { stateTableDefinition } from '../../src/adapters/state-dynamodb/index.ts';
import { startDynalite, type DynamoStandin } from '../support/aws-standin/dynamodb.ts';
import { Iam, type Identity } from '../support/aws-standin/iam.ts';
import { startS3rver, type S3Standin } from '../support/aws-standin/s3.ts';
import { startSqsStandin, type SqsStandin } from '../support/aws-standin/sqs.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin/index.ts';
import { createTestRepo, type TestRepo } from '../support/github-standin/fixture.ts';
import { apiGatewayV2Event, lambdaContext, scheduledEvent } from '../support/lambda-events.ts';
import { pushPayload } from '../support/push-payloads.ts';
import { addFault, clearFaults, getJson } from './sync-support.ts';

/**
 * The three Lambda handlers as deployed (functions/*.ts, composed from the environment by
 * src/wiring/lambda-*.ts), against DynamoDB (dynalite), the SQS FIFO stand-in, S3 (s3rver), the
 * GitHub stand-in and the sandbox cluster, with the events API Gateway v2, SQS and EventBridge send.
 * The test plays Lambda's part in between: it receives the queue's messages and hands each to the
 * worker as an SQS event, and deletes those the worker did not return.
 */

const webhookSecret = 'lambda-e2e-secret';
const apiToken = 'lambda-e2e-token';
const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  value: "${value}"\n`;

type HttpHandler = (event: LambdaEvent) => Promise<APIGatewayProxyResult>;
type WorkerHandler = (event: SqsEvent, context: ReturnType<typeof lambdaContext>) => Promise<SqsBatchResponse>;
type DriftHandler = (event: ReturnType<typeof scheduledEvent>) => Promise<unknown>;
interface Handlers { http: HttpHandler; worker: WorkerHandler; drift: DriftHandler }

let sb: Sandbox;
let gh: GitHubStandin;
let repo: TestRepo;
let dynamo: DynamoStandin;
let sqs: SqsStandin;
let s3: S3Standin;
let sqsClient: SQSClient;
let queueUrl: string;
let dir: string;
let me: Identity;
const bucket = 'driftless-blobs';

/** A fresh import of the handler modules: a new Lambda container, with nothing kept from the last. */
async function container(): Promise<Handlers> {
  vi.resetModules();
  const [http, worker, drift] = await Promise.all([import('../../functions/http.ts'), import('../../functions/worker.ts'), import('../../functions/drift.ts')]);
  return { http: http.handler as HttpHandler, worker: worker.handler as WorkerHandler, drift: drift.handler as DriftHandler };
}

beforeAll(async () => {
  [sb, dynamo] = await Promise.all([startSandbox({}), startDynalite()]);
  const iam = new Iam();
  me = iam.addUser('driftless-functions');
  // s3rver checks signatures against its own account registry: give the functions' key to it too.
  (createRequire(import.meta.url)('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } })
    .DUMMY_ACCOUNT.createKeyPair(me.accessKeyId, me.secretAccessKey);
  [sqs, s3] = await Promise.all([startSqsStandin({ iam }), startS3rver([bucket])]);
  repo = createTestRepo({ 'apps/web/cm.yaml': cm('v1'), 'README.md': 'hi\n' });
  gh = await startGitHubStandin({ repos: { 'acme/gitops': repo.dir }, tokens: ['gh-token'] });
  await dynamo.createTable(stateTableDefinition('driftless-test'));

  sqsClient = new SQSClient({ endpoint: sqs.url, region: 'us-east-1', credentials: me });
  const dlq = (await sqsClient.send(new CreateQueueCommand({ QueueName: 'driftless-dlq.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
  const dlqArn = sqs.queue('driftless-dlq.fifo')!.arn;
  queueUrl = (await sqsClient.send(new CreateQueueCommand({
    QueueName: 'driftless-syncs.fifo',
    Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false', VisibilityTimeout: '5400', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) },
  }))).QueueUrl!;
  expect(dlq).toContain('driftless-dlq.fifo');

  // The packaged config, as serverless.yml ships it beside the bundle: secrets stay references.
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-lambda-e2e-'));
  writeFileSync(path.join(dir, 'sandbox.kubeconfig'), sb.kubeconfig);
  writeFileSync(path.join(dir, 'driftless.yaml'), stringify({
    repositories: { gitops: { github: { owner: 'acme', repo: 'gitops', apiUrl: gh.apiUrl, token: { env: 'GH_TOKEN' } } } },
    clusters: { sandbox: { kubeconfig: { file: './sandbox.kubeconfig' } } },
    apps: [{ name: 'web', repository: 'gitops', branch: 'main', path: 'apps/web', cluster: 'sandbox', namespace: 'web', createNamespace: true, prune: true, healthTimeoutSeconds: 10 }],
    server: { webhookSecret: { env: 'WEBHOOK_SECRET' }, apiTokens: { env: 'API_TOKENS' }, publicUrl: 'https://driftless.example.com', logLevel: 'silent' },
    signing: { key: { env: 'SIGNING_KEY' } },
  }));
  const env: Record<string, string> = {
    LAMBDA_TASK_ROOT: dir, DRIFTLESS_CONFIG: 'driftless.yaml', DRIFTLESS_QUEUE_URL: queueUrl, DRIFTLESS_TABLE: 'driftless-test', DRIFTLESS_CACHE_BUCKET: bucket,
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: me.accessKeyId, AWS_SECRET_ACCESS_KEY: me.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: sqs.url, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_EC2_METADATA_DISABLED: 'true',
    GH_TOKEN: 'gh-token', WEBHOOK_SECRET: webhookSecret, API_TOKENS: apiToken, SIGNING_KEY: randomBytes(32).toString('base64'),
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  sqsClient?.destroy();
  await Promise.all([gh?.stop(), sb?.stop(), dynamo?.close(), sqs?.close(), s3?.close()]);
  repo?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${apiToken}` };
const value = async () => ((await getJson(sb, '/api/v1/namespaces/web/configmaps/web')) as { data?: Record<string, string> } | undefined)?.data?.value;
const json = (res: APIGatewayProxyResult): Record<string, unknown> => JSON.parse(res.body) as Record<string, unknown>;

async function push(h: Handlers, before: string, after: string, delivery: string): Promise<APIGatewayProxyResult> {
  const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', before, after, commits: [{ modified: ['apps/web/cm.yaml'] }] }));
  const signature = await new Webhooks({ secret: webhookSecret }).sign(body);
  return h.http(apiGatewayV2Event('POST', '/webhooks/github', {
    body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signature },
  }));
}

/** What Lambda's event source mapping does: receive (batch size 1) and wrap the message in an SQS event. */
async function receive(): Promise<{ message: Message; event: SqsEvent }> {
  const { Messages } = await sqsClient.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 0 }));
  expect(Messages).toHaveLength(1);
  const message = Messages![0]!;
  return { message, event: sqsEventOf(message) };
}

/** The SQS event Lambda's event source mapping builds around one received message. */
function sqsEventOf(message: Message): SqsEvent {
  const record = {
    messageId: message.MessageId!, receiptHandle: message.ReceiptHandle!, body: message.Body!,
    attributes: { ...message.Attributes, ApproximateReceiveCount: message.Attributes!.ApproximateReceiveCount! }, messageAttributes: {}, md5OfBody: message.MD5OfBody!,
    eventSource: 'aws:sqs', eventSourceARN: sqs.queue('driftless-syncs.fifo')!.arn, awsRegion: 'us-east-1',
  };
  return { Records: [record] };
}

/** The event source mapping deletes a message the handler did not return in batchItemFailures. */
async function settle(message: Message, response: SqsBatchResponse): Promise<void> {
  if (!response.batchItemFailures.some((f) => f.itemIdentifier === message.MessageId)) {
    await sqsClient.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
  }
}

async function getSync(h: Handlers, id: string): Promise<Record<string, unknown>> {
  const res = await h.http(apiGatewayV2Event('GET', `/syncs/${id}`, { headers: auth }));
  expect(res.statusCode).toBe(200);
  return json(res);
}

const shas: string[] = [];
let first: Handlers;

describe('the Lambda handlers against DynamoDB, SQS, S3, GitHub and the sandbox', () => {
  it('signed push → 202 → SQS message → worker → objects in the cluster, GitHub status and deployment, sync recorded', async () => {
    first = await container();
    shas.push(repo.git('rev-parse', 'HEAD'));
    const res = await push(first, '0'.repeat(40), shas[0]!, 'delivery-1');
    expect(res.statusCode).toBe(202);
    const { syncs } = json(res) as { syncs: string[] };
    expect(syncs).toHaveLength(1);

    const { message, event } = await receive();
    expect(message.Attributes?.MessageGroupId).toBe('web');
    expect(JSON.parse(message.Body!)).toMatchObject({ id: syncs[0], app: 'web', trigger: { kind: 'push' } });
    const response = await first.worker(event, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    await settle(message, response);

    expect(await value()).toBe('v1');
    expect(gh.statuses('acme', 'gitops', shas[0]!).map((s) => `${s.context}:${s.state}`)).toContain('driftless/web:success');
    expect(gh.deployments('acme', 'gitops').map((d) => d.environment)).toEqual(['web']);
    expect(await getSync(first, syncs[0]!)).toMatchObject({ id: syncs[0], app: 'web', state: 'succeeded', revision: { sha: shas[0] } });
    // The worker read the tree and blobs from GitHub, and its blob cache wrote them through to the
    // bucket, for the next cold container.
    expect(gh.calls().filter((c) => c.path.includes('/git/')).length).toBeGreaterThan(0);
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.KeyCount).toBeGreaterThan(0);
  }, 60_000);

  it('the same delivery again is claimed once: no second message', async () => {
    const res = await push(first, '0'.repeat(40), shas[0]!, 'delivery-1');
    expect(res.statusCode).toBeLessThan(300);
    const { Messages } = await sqsClient.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(Messages ?? []).toEqual([]);
  });

  it('a second container (fresh import of the handlers) sees the same state', async () => {
    const second = await container();
    expect(second.http).not.toBe(first.http);
    const res = await second.http(apiGatewayV2Event('GET', '/apps', { headers: auth }));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(shas[0]!);
    const apps = json(res) as unknown as Array<Record<string, unknown>> | { apps: Array<Record<string, unknown>> };
    const list = Array.isArray(apps) ? apps : apps.apps;
    expect(list.find((a) => a.name === 'web')).toMatchObject({ status: 'Synced', revision: { sha: shas[0] } });

    // A manual sync through this container's http function, run by its (cold) worker: the Git blobs
    // come from the S3 cache the first container's worker filled, not from GitHub.
    gh.resetCalls();
    const sync = await second.http(apiGatewayV2Event('POST', '/apps/web/sync', { headers: { ...auth, 'content-type': 'application/json' }, body: '{}' }));
    expect(sync.statusCode).toBe(202);
    const { message, event } = await receive();
    expect(JSON.parse(message.Body!)).toMatchObject({ app: 'web', trigger: { kind: 'manual' } });
    const response = await second.worker(event, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    await settle(message, response);
    const paths = gh.calls().map((c) => `${c.method} ${c.path}`);
    // Only the branch head is asked of GitHub; the tree and the blobs were in the bucket.
    expect(paths.filter((p) => p.startsWith('GET '))).toEqual(['GET /repos/acme/gitops/commits/main']);
    expect(paths).toContain(`POST /repos/acme/gitops/statuses/${shas[0]}`);
  }, 60_000);

  it('a transient failure goes back in batchItemFailures after ChangeMessageVisibility; the redelivery succeeds', async () => {
    const h = await container();
    shas.push(repo.commit({ 'apps/web/cm.yaml': cm('v2') }));
    expect((await push(h, shas[0]!, shas[1]!, 'delivery-2')).statusCode).toBe(202);
    const { message, event } = await receive();
    await addFault(sb, { verb: 'patch', resource: 'configmaps', kind: '503', count: 1000 });
    sqs.resetRequests();
    let response: SqsBatchResponse;
    try {
      response = await h.worker(event, lambdaContext());
    } finally {
      await clearFaults(sb);
    }
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: message.MessageId }] });
    expect(sqs.requests().filter((r) => r.action === 'ChangeMessageVisibility').map((r) => r.status)).toEqual([200]);
    expect(await value()).toBe('v1');

    // Lambda would see it again after the back-off; the test brings that forward.
    await sqsClient.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
    const again = await receive();
    expect(again.message.Attributes?.ApproximateReceiveCount).toBe('2');
    const retried = await h.worker(again.event, lambdaContext());
    expect(retried).toEqual({ batchItemFailures: [] });
    await settle(again.message, retried);
    expect(await value()).toBe('v2');
  }, 60_000);

  it('a permanent failure (render error) is recorded and acknowledged', async () => {
    const h = await container();
    shas.push(repo.commit({ 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n' }));
    const res = await push(h, shas[1]!, shas[2]!, 'delivery-3');
    const { syncs } = json(res) as { syncs: string[] };
    const { message, event } = await receive();
    sqs.resetRequests();
    const response = await h.worker(event, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqs.requests().map((r) => r.action)).not.toContain('ChangeMessageVisibility');
    await settle(message, response);
    const sync = await getSync(h, syncs[0]!);
    expect(sync).toMatchObject({ state: 'failed', error: { code: 'MANIFEST_INVALID' } });
    expect(gh.statuses('acme', 'gitops', shas[2]!).map((s) => `${s.context}:${s.state}`)).toContain('driftless/web:failure');
    expect(await value()).toBe('v2');
  }, 60_000);

  it('the scheduled drift function queues a sync for a branch head no webhook announced, and a drift check the worker runs', async () => {
    const h = await container();
    shas.push(repo.commit({ 'apps/web/cm.yaml': cm('v4') }));
    await h.drift(scheduledEvent());
    const { Messages } = await sqsClient.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 0 }));
    const bodies = (Messages ?? []).map((m) => JSON.parse(m.Body!) as { app: string; kind?: string; trigger?: { kind: string } });
    expect(bodies.filter((r) => r.trigger?.kind === 'poll').map((r) => r.app)).toEqual(['web']);
    expect(bodies.filter((r) => r.kind === 'drift-check').map((r) => r.app)).toEqual(['web']);

    // The worker runs the check: the cluster matches the last revision synced (v2; the render error
    // was never applied), and Git's newer head shows as pending; the report is stored for the API.
    const check = Messages!.find((m) => (JSON.parse(m.Body!) as { kind?: string }).kind === 'drift-check')!;
    expect(await h.worker(sqsEventOf(check), lambdaContext())).toEqual({ batchItemFailures: [] });
    const drift = await h.http(apiGatewayV2Event('GET', '/drift', { headers: auth }));
    expect(drift.statusCode).toBe(200);
    const { reports } = json(drift) as { reports: Array<{ app: string; status: string }> };
    expect(reports).toEqual([expect.objectContaining({ app: 'web', status: 'Synced', revision: expect.objectContaining({ sha: shas[1] }), pending: shas[3] })]);
  }, 60_000);
});
