/**
 * The http function per signed push (issue 13, item 7): `node --import tsx bench/lambda.ts [--pushes 2000]
 * [--apps 5]`. One warm "container" in this process: the real handler module (functions/http.ts,
 * composed from its environment as on Lambda) with DynamoDB through dynalite and SQS through the
 * FIFO stand-in, both on 127.0.0.1. Each push is an API Gateway v2 event with its own delivery id,
 * touching one of a few apps, sent one after the other (a Lambda container serves one event at a
 * time); the figure is the handler's time per event: signature check, the routing query, the
 * delivery claim, the sync record, SendMessage and the delivery's "queued" mark. The function's
 * log lines and EMF metrics are serialised as on Lambda but not printed. Aim: p99 < 20 ms.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Webhooks } from '@octokit/webhooks';
import type { APIGatewayProxyResult, LambdaEvent } from 'hono/aws-lambda';
import { stringify } from 'yaml';
import { stateTableDefinition } from '../src/adapters/state-dynamodb/index.ts';
import { startDynalite } from '../test/support/aws-standin/dynamodb.ts';
import { Iam } from '../test/support/aws-standin/iam.ts';
import { startSqsStandin } from '../test/support/aws-standin/sqs.ts';
import { apiGatewayV2Event } from '../test/support/lambda-events.ts';
import { pushPayload, sha } from '../test/support/push-payloads.ts';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const pushes = arg('--pushes', 2000);
const appCount = arg('--apps', 5);
const warmup = 50;
const secret = 'bench-lambda-secret';

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Standins { dynamoEndpoint: string; sqsUrl: string; queueUrl: string; accessKeyId: string; secretAccessKey: string }

/**
 * The stand-ins run in a child process, as DynamoDB and SQS run elsewhere: their CPU time is not
 * counted in the handler's (on this 2-core machine they get the other core).
 */
async function serveStandins(): Promise<void> {
  const dynamo = await startDynalite();
  const iam = new Iam();
  const me = iam.addUser('bench');
  const sqs = await startSqsStandin({ iam });
  await dynamo.createTable(stateTableDefinition('driftless-bench'));
  const client = new SQSClient({ endpoint: sqs.url, region: 'us-east-1', credentials: me });
  const queueUrl = (await client.send(new CreateQueueCommand({ QueueName: 'driftless-bench.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' } }))).QueueUrl!;
  client.destroy();
  const ready: Standins = { dynamoEndpoint: dynamo.endpoint, sqsUrl: sqs.url, queueUrl, accessKeyId: me.accessKeyId, secretAccessKey: me.secretAccessKey };
  process.send!(ready);
  process.on('disconnect', () => void Promise.all([dynamo.close(), sqs.close()]).then(() => process.exit(0)));
}

if (process.argv.includes('--standins')) {
  await serveStandins();
} else {
  await main();
}

async function main(): Promise<void> {
const child = fork(fileURLToPath(import.meta.url), ['--standins'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const standins = await new Promise<Standins>((resolve, reject) => {
  child.once('message', (m) => resolve(m as Standins));
  child.once('exit', (code) => reject(new Error(`the stand-ins exited with ${code}`)));
});
const me = { accessKeyId: standins.accessKeyId, secretAccessKey: standins.secretAccessKey };
const sqsClient = new SQSClient({ endpoint: standins.sqsUrl, region: 'us-east-1', credentials: me });
const queueUrl = standins.queueUrl;

const dir = mkdtempSync(path.join(tmpdir(), 'driftless-bench-lambda-'));
const apps = Array.from({ length: appCount }, (_, i) => `app${i}`);
writeFileSync(path.join(dir, 'driftless.yaml'), stringify({
  // The webhook path never calls GitHub: it routes on the payload's files and the stored dependencies.
  repositories: { gitops: { github: { owner: 'acme', repo: 'gitops', apiUrl: 'http://127.0.0.1:9', token: { env: 'GH_TOKEN' } } } },
  clusters: { prod: { kubeconfig: { env: 'KUBECONFIG_TEXT' } } },
  apps: apps.map((name) => ({ name, repository: 'gitops', branch: 'main', path: `apps/${name}`, cluster: 'prod', namespace: name })),
  server: { webhookSecret: { env: 'WEBHOOK_SECRET' }, apiTokens: { env: 'API_TOKENS' } },
  signing: { key: { env: 'SIGNING_KEY' } },
}));
Object.assign(process.env, {
  LAMBDA_TASK_ROOT: dir, DRIFTLESS_CONFIG: 'driftless.yaml', DRIFTLESS_QUEUE_URL: queueUrl, DRIFTLESS_TABLE: 'driftless-bench',
  AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: me.accessKeyId, AWS_SECRET_ACCESS_KEY: me.secretAccessKey,
  AWS_ENDPOINT_URL_SQS: standins.sqsUrl, AWS_ENDPOINT_URL_DYNAMODB: standins.dynamoEndpoint, AWS_EC2_METADATA_DISABLED: 'true',
  GH_TOKEN: 'unused', KUBECONFIG_TEXT: 'unused', WEBHOOK_SECRET: secret, API_TOKENS: 'bench-token', SIGNING_KEY: randomBytes(32).toString('base64'),
});
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;

const { handler } = (await import('../functions/http.ts')) as { handler: (event: LambdaEvent) => Promise<APIGatewayProxyResult> };
const webhooks = new Webhooks({ secret });

  // Events are signed beforehand: GitHub signs them, the function only checks.
async function event(n: number): Promise<LambdaEvent> {
  const app = apps[n % apps.length]!;
  const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', before: sha(n + 1), after: sha(n + 2), commits: [{ modified: [`apps/${app}/deploy.yaml`] }] }));
  return apiGatewayV2Event('POST', '/webhooks/github', {
    body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `bench-${n}-${randomBytes(4).toString('hex')}`, 'x-hub-signature-256': await webhooks.sign(body) },
  });
}
const events: LambdaEvent[] = [];
for (let n = 0; n < warmup + pushes; n++) events.push(await event(n));

// Lambda sends stdout to CloudWatch through a pipe: the lines are written, just not shown here.
const write = process.stdout.write.bind(process.stdout);
let swallowed = 0;
process.stdout.write = ((chunk: string | Uint8Array) => { swallowed += chunk.length; return true; }) as typeof process.stdout.write;
const load = loadavg().map((l) => l.toFixed(2)).join(' ');
const times: number[] = [];
const statuses = new Map<number, number>();
const startedAt = performance.now();
const cpuAtStart = process.cpuUsage();
for (let n = 0; n < events.length; n++) {
  const t = performance.now();
  const res = await handler(events[n]!);
  const ms = performance.now() - t;
  if (n >= warmup) {
    times.push(ms);
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  }
}
const wallMs = performance.now() - startedAt;
const cpu = process.cpuUsage(cpuAtStart);
const cpuPerPushMs = (cpu.user + cpu.system) / 1000 / events.length;
process.stdout.write = write;

const queued = Number((await sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages);
const sorted = [...times].sort((a, b) => a - b);
const mean = times.reduce((a, b) => a + b, 0) / times.length;
process.stdout.write([
  `http handler, ${pushes} signed pushes over ${appCount} apps (after ${warmup} warm-up), one at a time, DynamoDB = dynalite, SQS = stand-in`,
  `p50 ${percentile(sorted, 50).toFixed(2)} ms, p90 ${percentile(sorted, 90).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms, mean ${mean.toFixed(2)} ms (${(wallMs / 1000).toFixed(1)} s in all); the function's own CPU ${cpuPerPushMs.toFixed(2)} ms per push`,
  `answers: ${[...statuses].map(([status, count]) => `${status} × ${count}`).join(', ')}; messages on the queue: ${queued} (warm-up included); log/metric output ${(swallowed / 1024).toFixed(0)} KB`,
  `Node ${process.versions.node}, load average at start ${load}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  '',
].join('\n'));

sqsClient.destroy();
child.disconnect();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
}
