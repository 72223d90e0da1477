import {
  ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand,
  GetQueueUrlCommand, QueueDoesNotExist, ReceiptHandleIsInvalid, MessageNotInflight, ReceiveMessageCommand, SendMessageBatchCommand,
  SendMessageCommand, SQSClient, TooManyEntriesInBatchRequest, QueueNameExists,
} from '@aws-sdk/client-sqs';
import type { SQSServiceException } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSqsStandin, type SqsStandin } from './sqs.ts';

let clock = Date.UTC(2026, 0, 1);
let standin: SqsStandin;
let sqs: SQSClient;

beforeEach(async () => {
  clock = Date.UTC(2026, 0, 1);
  standin = await startSqsStandin({ now: () => clock });
  const me = standin.iam.addUser('worker');
  sqs = new SQSClient({ endpoint: standin.url, region: 'us-east-1', credentials: { accessKeyId: me.accessKeyId, secretAccessKey: me.secretAccessKey }, maxAttempts: 1 });
});
afterEach(async () => {
  sqs.destroy();
  await standin.close();
});

async function fifoWithDlq(maxReceiveCount = 2): Promise<{ url: string; dlq: string }> {
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'jobs-dlq.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const url = (await sqs.send(new CreateQueueCommand({
    QueueName: 'jobs.fifo',
    Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false', VisibilityTimeout: '60', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount }) },
  }))).QueueUrl!;
  return { url, dlq };
}

const send = (url: string, group: string, dedup: string, body = `${group}:${dedup}`) =>
  sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: dedup }));
const receive = (url: string, max = 10) =>
  sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: max, MessageSystemAttributeNames: ['All'] })).then((r) => r.Messages ?? []);

describe('SQS stand-in (AWS JSON 1.0, FIFO)', () => {
  it('speaks the JSON protocol the SDK sends and answers queue URLs and attributes', async () => {
    const { url } = await fifoWithDlq();
    expect(standin.requests().map((r) => [r.action, r.status, r.identity])).toEqual([
      ['CreateQueue', 200, 'arn:aws:iam::111122223333:user/worker'], ['GetQueueAttributes', 200, 'arn:aws:iam::111122223333:user/worker'], ['CreateQueue', 200, 'arn:aws:iam::111122223333:user/worker'],
    ]);
    expect(url).toBe(`${standin.url}/111122223333/jobs.fifo`);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs.fifo' }))).QueueUrl).toBe(url);
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
    expect(attrs).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'false', VisibilityTimeout: '60', ApproximateNumberOfMessages: '0', QueueArn: 'arn:aws:sqs:us-east-1:111122223333:jobs.fifo' });
    // Same attributes again: the same queue; different ones: QueueNameExists.
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'jobs-dlq.fifo', Attributes: { FifoQueue: 'true' } }))).resolves.toMatchObject({ QueueUrl: expect.stringContaining('jobs-dlq.fifo') });
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'jobs-dlq.fifo', Attributes: { FifoQueue: 'true', VisibilityTimeout: '5' } }))).rejects.toBeInstanceOf(QueueNameExists);
  });

  it('maps errors through x-amzn-query-error to the modeled exceptions', async () => {
    const error = await sqs.send(new GetQueueUrlCommand({ QueueName: 'missing.fifo' })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(QueueDoesNotExist);
    expect(error).toMatchObject({ name: 'QueueDoesNotExist', Code: 'AWS.SimpleQueueService.NonExistentQueue', Type: 'Sender', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const { url } = await fifoWithDlq();
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' }))).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: `d${i}` }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }))).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
  });

  it('checks SigV4 against the shared identity table and answers auth failures and faults in SQS\'s shapes', async () => {
    const stranger = new SQSClient({ endpoint: standin.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }, maxAttempts: 1 });
    await expect(stranger.send(new GetQueueUrlCommand({ QueueName: 'q' }))).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    const me = standin.iam.addUser('other');
    const forged = new SQSClient({ endpoint: standin.url, region: 'us-east-1', credentials: { accessKeyId: me.accessKeyId, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    await expect(forged.send(new GetQueueUrlCommand({ QueueName: 'q' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    stranger.destroy();
    forged.destroy();
    // A throttling fault: the SDK's own retry gets through.
    const { url } = await fifoWithDlq();
    standin.fail({ action: 'SendMessage', count: 1 });
    const retrying = new SQSClient({ endpoint: standin.url, region: 'us-east-1', credentials: { accessKeyId: me.accessKeyId, secretAccessKey: me.secretAccessKey }, maxAttempts: 3 });
    await retrying.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
    retrying.destroy();
    expect(standin.requests().filter((r) => r.action === 'SendMessage').map((r) => [r.status, r.error])).toEqual([[403, 'RequestThrottled'], [200, undefined]]);
  });

  it('rejects what a FIFO queue rejects: no group, no dedup id without content-based dedup, ids past 128 characters, per-message delay', async () => {
    const { url } = await fifoWithDlq();
    const rejected = (input: Partial<ConstructorParameters<typeof SendMessageCommand>[0]>) =>
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', ...input })).then(() => undefined, (err: unknown) => err as SQSServiceException);
    expect(await rejected({ MessageDeduplicationId: 'd' })).toMatchObject({ name: 'MissingParameter', message: 'The request must contain the parameter MessageGroupId.' });
    expect(await rejected({ MessageGroupId: 'g' })).toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('ContentBasedDeduplication') });
    expect(await rejected({ MessageGroupId: 'g', MessageDeduplicationId: 'd'.repeat(129) })).toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('1 to 128 in length') });
    expect(await rejected({ MessageGroupId: 'g', MessageDeduplicationId: 'd', DelaySeconds: 5 })).toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('DelaySeconds') });
    await expect(send(url, 'g', 'd'.repeat(128))).resolves.toMatchObject({ SequenceNumber: expect.any(String) });
  });

  it('deduplicates within five minutes and answers the duplicate like the original', async () => {
    const { url } = await fifoWithDlq();
    const first = await send(url, 'web', 'push-abc', 'one');
    clock += 4 * 60_000;
    const again = await send(url, 'web', 'push-abc', 'two');
    expect(again.MessageId).toBe(first.MessageId);
    expect((await receive(url)).map((m) => m.Body)).toEqual(['one']);
    // Past the window the same id is a new message (and 'one' is visible again: 65 s > 60 s).
    clock += 61_000;
    await send(url, 'web', 'push-abc', 'three');
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes)
      .toEqual({ ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('delivers a group in order and holds it while one of its messages is in flight; other groups flow', async () => {
    const { url } = await fifoWithDlq();
    await send(url, 'web', 'w1');
    await send(url, 'api', 'a1');
    await send(url, 'web', 'w2');
    const first = await receive(url, 1);
    expect(first.map((m) => m.Body)).toEqual(['web:w1']);
    expect(first[0]!.Attributes).toMatchObject({ MessageGroupId: 'web', MessageDeduplicationId: 'w1', ApproximateReceiveCount: '1', SentTimestamp: String(clock) });
    // web is held by w1: only api comes.
    expect((await receive(url)).map((m) => m.Body)).toEqual(['api:a1']);
    expect(await receive(url)).toEqual([]);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first[0]!.ReceiptHandle! }));
    expect((await receive(url)).map((m) => m.Body)).toEqual(['web:w2']);
  });

  it('returns a message after its visibility timeout, or sooner with ChangeMessageVisibility, counting receives', async () => {
    const { url } = await fifoWithDlq(5);
    await send(url, 'web', 'w1');
    const [m1] = await receive(url);
    clock += 59_000;
    expect(await receive(url)).toEqual([]);
    clock += 1_000;
    const [m2] = await receive(url);
    expect(m2!.Attributes!.ApproximateReceiveCount).toBe('2');
    // The first receipt handle is stale now.
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m1!.ReceiptHandle! }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m2!.ReceiptHandle!, VisibilityTimeout: 10 }));
    clock += 10_000;
    const [m3] = await receive(url);
    expect(m3!.Attributes!.ApproximateReceiveCount).toBe('3');
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m3!.ReceiptHandle!, VisibilityTimeout: 0 }));
    const [m4] = await receive(url);
    expect(m4!.MessageId).toBe(m1!.MessageId);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m4!.ReceiptHandle! }));
    await expect(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m4!.ReceiptHandle!, VisibilityTimeout: 0 }))).rejects.toBeInstanceOf(MessageNotInflight);
  });

  it('moves a message to the FIFO dead-letter queue once it was received maxReceiveCount times', async () => {
    const { url, dlq } = await fifoWithDlq(2);
    await send(url, 'web', 'w1');
    await send(url, 'web', 'w2');
    for (let i = 0; i < 2; i++) {
      const [m] = await receive(url, 1);
      expect(m!.Body).toBe('web:w1');
      clock += 60_000;
    }
    // Third receive: w1 goes to the DLQ and w2 comes instead.
    expect((await receive(url, 1)).map((m) => m.Body)).toEqual(['web:w2']);
    const dead = await receive(dlq);
    expect(dead.map((m) => m.Body)).toEqual(['web:w1']);
    expect(dead[0]!.Attributes).toMatchObject({ MessageGroupId: 'web', ApproximateReceiveCount: '1', DeadLetterQueueSourceArn: expect.stringContaining(':jobs.fifo') });
    // A FIFO queue's DLQ must be FIFO.
    const standard = (await sqs.send(new CreateQueueCommand({ QueueName: 'plain' }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: standard, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'bad.fifo', Attributes: { FifoQueue: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 3 }) } })))
      .rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('same type') });
  });

  it('batches sends and deletes with per-entry results, and long-polls until a message arrives', async () => {
    const { url } = await fifoWithDlq();
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [
      { Id: 'a', MessageBody: 'one', MessageGroupId: 'g', MessageDeduplicationId: 'one' },
      { Id: 'b', MessageBody: 'two', MessageDeduplicationId: 'two' },
    ] }));
    expect(sent.Successful!.map((s) => s.Id)).toEqual(['a']);
    expect(sent.Failed).toEqual([{ Id: 'b', SenderFault: true, Code: 'MissingParameter', Message: 'The request must contain the parameter MessageGroupId.' }]);
    const [m] = await receive(url);
    const deleted = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'x', ReceiptHandle: m!.ReceiptHandle! }, { Id: 'y', ReceiptHandle: 'bad' }] }));
    expect(deleted.Successful).toEqual([{ Id: 'x' }]);
    expect(deleted.Failed).toMatchObject([{ Id: 'y', Code: 'ReceiptHandleIsInvalid' }]);

    const started = Date.now();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await send(url, 'g', 'late', 'late');
    const got = await polling;
    expect(got.Messages?.map((x) => x.Body)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
