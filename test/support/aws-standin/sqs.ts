import { randomUUID } from 'node:crypto';
import { DEFAULT_ACCOUNT, Iam } from './iam.ts';
import { listen, serviceCore, type Reply, type StandinBase } from './server.ts';
import { verifyHeaderSignature } from './sigv4.ts';
import { authError, checkBatch, coral, JSON10, view } from './sqs-shapes.ts';
import { invalidParameter, missingParameter, nonExistentQueue, Queue, SqsError, type SendInput, type SendOutput, type StoredMessage } from './sqs-queue.ts';

/**
 * SQS over HTTP as the v3 SDK speaks it: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Operation>`,
 * `Content-Type: application/x-amz-json-1.0`), errors as `{"__type": "com.amazonaws.sqs#<Shape>",
 * "message"}` plus the `x-amzn-query-error: <query code>;Sender` header that the query-compatible
 * client maps back to its modeled exceptions. Requests must be SigV4-signed by a key of the shared
 * identity table (iam.ts; `standin.iam.addUser('worker')`), as the other AWS stand-ins check them;
 * the request log and `fail()` faults (default RequestThrottled, which the SDK retries) are theirs too.
 * FIFO semantics live in sqs-queue.ts. Point the client's `endpoint` (or AWS_ENDPOINT_URL_SQS) at `url`.
 */

export interface SqsStandinOptions {
  iam?: Iam;
  /** Milliseconds since the epoch for queue time (visibility, dedup window, retention); default Date.now. */
  now?: () => number;
  accountId?: string;
  region?: string;
  /** Upper bound on a long poll in real milliseconds (default: WaitTimeSeconds in full). */
  maxLongPollMs?: number;
}

export interface SqsStandin extends StandinBase {
  iam: Iam;
  /** Same as `url`. */
  endpoint: string;
  queue(name: string): Queue | undefined;
  /** Wakes long polls so they look again (call after moving an injected clock). */
  tick(): void;
}

const queueNamePattern = /^[A-Za-z0-9_-]{1,80}$/;

type Json = Record<string, unknown>;

export async function startSqsStandin(options: SqsStandinOptions = {}): Promise<SqsStandin> {
  const now = options.now ?? Date.now;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT;
  const region = options.region ?? 'us-east-1';
  const queues = new Map<string, Queue>();
  const iam = options.iam ?? new Iam();
  const core = serviceCore();
  const waiters = new Set<() => void>();
  let endpoint = '';
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };

  const byUrl = (input: Json): Queue => {
    const url = input.QueueUrl;
    if (typeof url !== 'string') throw missingParameter('QueueUrl');
    const name = url.split('/').at(-1) ?? '';
    const queue = queues.get(name);
    if (!queue) throw nonExistentQueue();
    return queue;
  };

  const byArn = (arn: string): Queue | undefined => [...queues.values()].find((q) => q.arn === arn);

  const handlers: Record<string, (input: Json) => Promise<Json> | Json> = {
    CreateQueue(input) {
      const name = String(input.QueueName ?? '');
      const attributes = { ...((input.Attributes as Record<string, string> | undefined) ?? {}) };
      const fifo = attributes.FifoQueue === 'true';
      const base = name.endsWith('.fifo') ? name.slice(0, -5) : name;
      if (!queueNamePattern.test(base) || fifo !== name.endsWith('.fifo')) {
        throw invalidParameter(fifo || name.endsWith('.fifo')
          ? 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.'
          : 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
      }
      if (!fifo) delete attributes.FifoQueue;
      if (attributes.ContentBasedDeduplication !== undefined && !fifo) {
        throw invalidParameter('Unknown Attribute ContentBasedDeduplication.');
      }
      const defaults: Record<string, string> = {
        VisibilityTimeout: '30', DelaySeconds: '0', MessageRetentionPeriod: '345600', MaximumMessageSize: '1048576', ReceiveMessageWaitTimeSeconds: '0',
        ...(fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {}),
      };
      const merged = { ...defaults, ...attributes };
      checkRedrive(merged, fifo);
      const existing = queues.get(name);
      if (existing) {
        const differs = Object.entries(merged).some(([key, value]) => existing.attributes[key] !== value);
        if (differs) throw new SqsError('QueueNameExists', 'QueueAlreadyExists', `A queue already exists with the same name and a different value for attribute(s) ${Object.keys(attributes).join(', ')}`);
        return { QueueUrl: existing.url };
      }
      const queue = new Queue(name, `${endpoint}/${accountId}/${name}`, `arn:aws:sqs:${region}:${accountId}:${name}`, merged, now());
      queues.set(name, queue);
      return { QueueUrl: queue.url };
    },

    GetQueueUrl(input) {
      const queue = queues.get(String(input.QueueName ?? ''));
      if (!queue) throw nonExistentQueue();
      return { QueueUrl: queue.url };
    },

    ListQueues(input) {
      const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
      return { QueueUrls: [...queues.values()].filter((q) => q.name.startsWith(prefix)).map((q) => q.url) };
    },

    DeleteQueue(input) {
      queues.delete(byUrl(input).name);
      return {};
    },

    PurgeQueue(input) {
      byUrl(input).purge();
      return {};
    },

    GetQueueAttributes(input) {
      const queue = byUrl(input);
      const names = (input.AttributeNames as string[] | undefined) ?? [];
      const counts = queue.counts(now());
      const all: Record<string, string> = {
        ...queue.attributes,
        QueueArn: queue.arn,
        CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
        LastModifiedTimestamp: String(Math.floor(queue.createdAt / 1000)),
        ApproximateNumberOfMessages: String(counts.visible),
        ApproximateNumberOfMessagesNotVisible: String(counts.notVisible),
        ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      };
      const wanted = names.includes('All') ? Object.keys(all) : names;
      for (const name of wanted) if (!(name in all) && name !== 'RedrivePolicy') throw invalidParameter(`Unknown Attribute ${name}.`);
      const Attributes = Object.fromEntries(wanted.filter((name) => name in all).map((name) => [name, all[name]!]));
      return Object.keys(Attributes).length > 0 ? { Attributes } : {};
    },

    SetQueueAttributes(input) {
      const queue = byUrl(input);
      const attributes = (input.Attributes as Record<string, string> | undefined) ?? {};
      if (attributes.FifoQueue !== undefined && attributes.FifoQueue !== queue.attributes.FifoQueue) throw invalidParameter('Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.');
      const merged = { ...queue.attributes, ...attributes };
      checkRedrive(merged, queue.fifo);
      Object.assign(queue.attributes, attributes);
      return {};
    },

    SendMessage(input) {
      const queue = byUrl(input);
      const out = queue.send(input as SendInput, now());
      wake();
      return { ...out };
    },

    SendMessageBatch(input) {
      const queue = byUrl(input);
      const entries = checkBatch(input.Entries);
      const Successful: Array<SendOutput & { Id: string }> = [];
      const Failed: Json[] = [];
      for (const entry of entries) {
        try {
          Successful.push({ Id: String(entry.Id), ...queue.send(entry as SendInput, now()) });
        } catch (error) {
          if (!(error instanceof SqsError)) throw error;
          Failed.push({ Id: entry.Id, SenderFault: error.fault === 'Sender', Code: error.queryCode, Message: error.message });
        }
      }
      wake();
      return { Successful, Failed };
    },

    async ReceiveMessage(input) {
      const queue = byUrl(input);
      const max = Number(input.MaxNumberOfMessages ?? 1);
      if (!Number.isInteger(max) || max < 1 || max > 10) {
        throw invalidParameter(`Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
      }
      const wait = Number(input.WaitTimeSeconds ?? queue.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
      if (wait < 0 || wait > 20) throw invalidParameter(`Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
      const visibility = Number(input.VisibilityTimeout ?? queue.visibilityTimeoutSeconds);
      const wanted = new Set([...((input.AttributeNames as string[] | undefined) ?? []), ...((input.MessageSystemAttributeNames as string[] | undefined) ?? [])]);
      const redrive = (message: StoredMessage): boolean => {
        const policy = queue.redrivePolicy;
        const target = policy && byArn(policy.deadLetterTargetArn);
        if (!target) return false;
        target.adopt(message, queue.arn, now());
        return true;
      };
      let taken = queue.take(max, visibility, now(), redrive);
      if (taken.length === 0 && wait > 0) {
        const deadline = Date.now() + Math.min(wait * 1000, options.maxLongPollMs ?? Infinity);
        while (taken.length === 0 && Date.now() < deadline && !closed) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              waiters.delete(done);
              clearTimeout(timer);
              resolve();
            };
            const timer = setTimeout(done, deadline - Date.now());
            waiters.add(done);
          });
          if (!queues.has(queue.name)) throw nonExistentQueue();
          taken = queue.take(max, visibility, now(), redrive);
        }
      }
      if (taken.length === 0) return {};
      return { Messages: taken.map((m) => view(m, wanted, accountId)) };
    },

    DeleteMessage(input) {
      const queue = byUrl(input);
      deleteOne(queue, String(input.ReceiptHandle ?? ''));
      wake();
      return {};
    },

    DeleteMessageBatch(input) {
      const queue = byUrl(input);
      const Successful: Json[] = [];
      const Failed: Json[] = [];
      for (const entry of checkBatch(input.Entries)) {
        try {
          deleteOne(queue, String(entry.ReceiptHandle ?? ''));
          Successful.push({ Id: entry.Id });
        } catch (error) {
          if (!(error instanceof SqsError)) throw error;
          Failed.push({ Id: entry.Id, SenderFault: true, Code: error.queryCode, Message: error.message });
        }
      }
      wake();
      return { Successful, Failed };
    },

    ChangeMessageVisibility(input) {
      const queue = byUrl(input);
      const seconds = Number(input.VisibilityTimeout);
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
        throw invalidParameter(`Value ${String(input.VisibilityTimeout)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`);
      }
      const { message, stale } = queue.find(String(input.ReceiptHandle ?? ''));
      if (!message || stale || !queue.inFlight(message, now())) {
        throw new SqsError('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 'The message referred to is not in flight.');
      }
      message.invisibleUntil = now() + seconds * 1000;
      wake();
      return {};
    },
  };

  const deleteOne = (queue: Queue, receiptHandle: string): void => {
    const { message, stale } = queue.find(receiptHandle);
    if (!message) return;
    if (stale) throw invalidParameter(`Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`);
    queue.remove(message);
  };

  const checkRedrive = (attributes: Record<string, string>, fifo: boolean): void => {
    const raw = attributes.RedrivePolicy;
    if (!raw) return;
    let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    try {
      policy = JSON.parse(raw) as typeof policy;
    } catch {
      throw invalidParameter(`Value ${raw} for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.`);
    }
    const count = Number(policy.maxReceiveCount);
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      throw invalidParameter(`Value ${raw} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: ${String(policy.maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`);
    }
    const target = typeof policy.deadLetterTargetArn === 'string' ? byArn(policy.deadLetterTargetArn) : undefined;
    if (!target) throw invalidParameter(`Value ${raw} for parameter RedrivePolicy is invalid. Reason: Dead-letter target does not exist.`);
    if (target.fifo !== fifo) throw invalidParameter(`Value ${raw} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source..`);
  };

  let closed = false;
  const reply = (status: number, body: Json, extra: Record<string, string> = {}): Reply =>
    ({ status, headers: { 'content-type': JSON10, 'x-amzn-requestid': randomUUID(), ...extra }, body: JSON.stringify(body) });
  const failure = (error: SqsError): Reply =>
    reply(error.status, { __type: `${error.namespace}#${error.type}`, message: error.message }, { 'x-amzn-query-error': `${error.queryCode};${error.fault}` });

  const base = await listen(core, async (req) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
    const record = { service: 'sqs', action, status: 200 } as (typeof core.log)[number];
    core.log.push(record);
    const answer = (r: Reply, error?: string): Reply => {
      record.status = r.status;
      if (error) record.error = error;
      return r;
    };
    try {
      const auth = await verifyHeaderSignature(iam, 'sqs', req);
      if (!auth.ok) throw authError(auth.failure);
      record.identity = auth.identity.arn;
      record.accessKeyId = auth.identity.accessKeyId;
      if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith(JSON10)) {
        throw new SqsError('InvalidAction', 'InvalidAction', 'The action or operation requested is invalid. Verify that the action is typed correctly.');
      }
      const handler = handlers[action];
      if (!handler) throw new SqsError('InvalidAction', 'InvalidAction', `The action ${action || target} is not valid for this endpoint.`);
      const fault = core.takeFault(action);
      if (fault) throw new SqsError(fault.code ?? 'RequestThrottled', fault.code ?? 'RequestThrottled', fault.message ?? 'Request is throttled.', fault.status ?? 403);
      let input: Json;
      try {
        input = JSON.parse(req.body.toString('utf8') || '{}') as Json;
      } catch {
        throw new SqsError('SerializationException', 'SerializationException', 'Start of structure or map found where not expected.', 400, 'Sender', coral);
      }
      return answer(reply(200, await handler(input)));
    } catch (error) {
      if (error instanceof SqsError) return answer(failure(error), error.queryCode);
      throw error;
    }
  });
  endpoint = base.url;

  return {
    ...base,
    iam,
    endpoint,
    queue: (name) => queues.get(name),
    tick: wake,
    close: async () => {
      closed = true;
      wake();
      await base.close();
    },
  };
}
