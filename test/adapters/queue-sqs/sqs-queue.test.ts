import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqsQueue, deduplicationId, driftCheckDeduplicationId, jobFromSqsRecord, type SqsSyncQueue } from '../../../src/adapters/queue-sqs/index.ts';
import type { DriftCheckRequest, SyncRequest } from '../../../src/ports/queue.ts';
import { startSqsStandin, type SqsStandin } from '../../support/aws-standin/sqs.ts';

let clock = Date.UTC(2026, 0, 1);
let standin: SqsStandin;
let client: SQSClient;
let queue: SqsSyncQueue;
let url: string;

beforeEach(async () => {
  clock = Date.UTC(2026, 0, 1);
  standin = await startSqsStandin({ now: () => clock });
  const worker = standin.iam.addUser('worker');
  client = new SQSClient({ endpoint: standin.url, region: 'us-east-1', credentials: { accessKeyId: worker.accessKeyId, secretAccessKey: worker.secretAccessKey }, maxAttempts: 1 });
  url = (await client.send(new CreateQueueCommand({ QueueName: 'driftless.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false', VisibilityTimeout: '5400' } }))).QueueUrl!;
  queue = createSqsQueue({ client, queueUrl: url });
});
afterEach(async () => {
  client.destroy();
  await standin.close();
});

let n = 0;
const request = (app: string, trigger: SyncRequest['trigger'], extra: Partial<SyncRequest> = {}): SyncRequest =>
  ({ id: `s${++n}`, app, trigger, enqueuedAt: new Date(clock).toISOString(), ...extra });

const receive = async (): Promise<Message[]> =>
  (await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }))).Messages ?? [];
const record = (m: Message) => ({ messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body!, attributes: m.Attributes });

describe('SQS SyncQueue (against the SQS stand-in)', () => {
  it('sends one message group per app, in order, and the worker reads the job back', async () => {
    const first = request('web', { kind: 'push', delivery: 'd1' }, { atLeast: 'a'.repeat(40) });
    await queue.enqueue(first);
    await queue.enqueue(request('api', { kind: 'manual', actor: 'token#1' }));
    await queue.enqueue(request('web', { kind: 'manual', actor: 'token#1' }, { revision: 'v2', pin: true }));
    const got = await receive();
    // web's second message waits behind its first: one app never syncs twice at once.
    expect(got.map((m) => [m.Attributes!.MessageGroupId, jobFromSqsRecord(record(m)).request.id])).toEqual([['web', first.id], ['api', 's2'], ['web', 's3']]);
    // The body is the bare SyncRequest, as the worker handler reads it.
    expect(JSON.parse(got[0]!.Body!)).toEqual(first);
    const job = queue.parseRecord(record(got[0]!));
    expect(job).toEqual({ request: first, messageId: got[0]!.MessageId, receiptHandle: got[0]!.ReceiptHandle, receiveCount: 1 });
  });

  it('deduplicates by kind: a push delivery per app and a poll per head enqueue once; manual requests never collapse', async () => {
    await queue.enqueue(request('web', { kind: 'push', delivery: 'd1' }));
    await queue.enqueue(request('web', { kind: 'push', delivery: 'd1' }));
    await queue.enqueue(request('api', { kind: 'push', delivery: 'd1' }));
    await queue.enqueue(request('web', { kind: 'poll' }, { atLeast: 'b'.repeat(40) }));
    await queue.enqueue(request('web', { kind: 'poll' }, { atLeast: 'b'.repeat(40) }));
    const manual = [request('web', { kind: 'manual', actor: 'a' }), request('web', { kind: 'manual', actor: 'a' })];
    for (const r of manual) await queue.enqueue(r);
    expect(standin.queue('driftless.fifo')!.messages.map((m) => m.dedupId)).toEqual([
      'push:d1:web', 'push:d1:api', `poll:web:${'b'.repeat(40)}`, `manual:${manual[0]!.id}`, `manual:${manual[1]!.id}`,
    ]);
    const long = deduplicationId(request('x'.repeat(200), { kind: 'push', delivery: 'd2' }));
    expect(long).toMatch(/^push:[0-9a-f]{64}$/);
    expect(deduplicationId(request('web', { kind: 'schedule' }))).toMatch(/^drift:web:s\d+$/);
    expect(deduplicationId(request('web', { kind: 'heal', checkedAt: '2026-01-01T00:00:00.000Z' }))).toBe('heal:web:2026-01-01T00:00:00.000Z');
    await queue.enqueue(request('x'.repeat(200), { kind: 'push', delivery: 'd2' }));
  });

  it('sends a drift check in its app\'s group behind the app\'s syncs, once per app per scheduled run', async () => {
    const sync = request('web', { kind: 'poll' }, { atLeast: 'c'.repeat(40) });
    await queue.enqueue(sync);
    const check: DriftCheckRequest = { kind: 'drift-check', id: 'k1', app: 'web', run: '2026-01-01T00:10:00Z', enqueuedAt: new Date(clock).toISOString() };
    await queue.enqueueDriftCheck!(check);
    // EventBridge delivering the same run twice: the second is dropped within the 5-minute window.
    await queue.enqueueDriftCheck!({ ...check, id: 'k2' });
    await queue.enqueueDriftCheck!({ ...check, id: 'k3', app: 'api' });
    expect(standin.queue('driftless.fifo')!.messages.map((m) => m.dedupId)).toEqual([
      `poll:web:${'c'.repeat(40)}`, 'drift-check:web:2026-01-01T00:10:00Z', 'drift-check:api:2026-01-01T00:10:00Z',
    ]);
    expect(driftCheckDeduplicationId({ ...check, app: 'x'.repeat(200) })).toMatch(/^drift-check:[0-9a-f]{64}$/);
    const got = await receive();
    // web's check comes after web's sync in web's group; the body is the bare DriftCheckRequest.
    expect(got.map((m) => [m.Attributes!.MessageGroupId, (JSON.parse(m.Body!) as { id: string }).id])).toEqual([['web', sync.id], ['web', 'k1'], ['api', 'k3']]);
    expect(JSON.parse(got[2]!.Body!)).toEqual({ ...check, id: 'k3', app: 'api' });
  });

  it('shortens a failed message\'s visibility so its app retries in seconds, not after the queue\'s 90 minutes', async () => {
    await queue.enqueue(request('web', { kind: 'manual', actor: 'a' }));
    const [m] = await receive();
    await queue.enqueue(request('web', { kind: 'manual', actor: 'a' }));
    clock += 60_000;
    expect(await receive()).toEqual([]);
    await queue.changeVisibility(m!.ReceiptHandle!, 30);
    clock += 29_000;
    expect(await receive()).toEqual([]);
    clock += 1_000;
    const [again] = await receive();
    expect(queue.parseRecord(record(again!)).receiveCount).toBe(2);
    expect(again!.MessageId).toBe(m!.MessageId);
  });

  it('reports a missing queue as QUEUE_UNAVAILABLE (permanent) and a malformed body as a permanent BAD_REQUEST', async () => {
    const lost = createSqsQueue({ client, queueUrl: `${standin.endpoint}/111122223333/gone.fifo` });
    await expect(lost.enqueue(request('web', { kind: 'poll' }))).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE', details: { transient: false, awsError: 'QueueDoesNotExist' } });
    expect(() => jobFromSqsRecord({ messageId: 'm', receiptHandle: 'r', body: '{"app":"web"}' })).toThrow(/not a driftless sync job: it lacks id, app, trigger or enqueuedAt/);
    expect(() => jobFromSqsRecord({ messageId: 'm', receiptHandle: 'r', body: 'nope' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
