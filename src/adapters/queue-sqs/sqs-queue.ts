import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DriftlessError } from '../../core/errors.ts';
import type { DriftCheckRequest, SyncQueue, SyncRequest } from '../../ports/queue.ts';
import { translateAwsError } from '../aws-common/errors.ts';
import { createVisibilityChanger } from './change-visibility.ts';

/**
 * SyncQueue on an SQS FIFO queue. The message group is the app, so one app never syncs twice at
 * once while different apps run side by side. A message means "bring this app to its branch
 * head (or its pin)": FIFO cannot coalesce, so the worker resolves the head when it runs and skips
 * work already done. Content-based deduplication is off; each kind of message carries its own
 * deduplication id (at most 128 characters), so that e.g. the same push delivered twice within
 * SQS's 5-minute window enqueues once while two manual syncs never swallow each other.
 */

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
}

/** The fields of a Lambda SQS event record (or a ReceiveMessage result) the worker reads. */
export interface SqsRecordLike {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes?: { ApproximateReceiveCount?: string; MessageGroupId?: string; [name: string]: string | undefined };
}

export interface SqsJob {
  request: SyncRequest;
  messageId: string;
  receiptHandle: string;
  /** 1 on the first delivery; the worker records a final failure from it. */
  receiveCount: number;
}

export interface SqsSyncQueue extends SyncQueue {
  /** Shortens (or extends) a received message's invisibility, e.g. to back off before a retry. */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
  /** The job an SQS record carries; a malformed body is a permanent error (acknowledge it). */
  parseRecord(record: SqsRecordLike): SqsJob;
}

const maxIdLength = 128;
const idPattern = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]+$/;

export function createSqsQueue(options: SqsQueueOptions): SqsSyncQueue {
  const { client, queueUrl } = options;
  const setVisibility = createVisibilityChanger({ client, queueUrl });
  // Every message goes in its app's group: one app never syncs twice at once, and a drift check
  // waits for the app's pending syncs instead of racing them.
  const send = async (body: object, app: string, deduplication: string, what: string): Promise<void> => {
    try {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body), MessageGroupId: messageGroupId(app), MessageDeduplicationId: deduplication }));
    } catch (err) {
      throw translateAwsError(err, 'QUEUE_UNAVAILABLE', `sending ${what} of app ${app} to the SQS queue`);
    }
  };
  return {
    // The body is the request itself (functions/worker.ts reads it as such).
    enqueue: (request) => send(request, request.app, deduplicationId(request), `sync ${request.id}`),
    enqueueDriftCheck: (request) => send(request, request.app, driftCheckDeduplicationId(request), `drift check ${request.id}`),
    async changeVisibility(receiptHandle, seconds) {
      await setVisibility(receiptHandle, Math.max(0, Math.min(43_200, Math.round(seconds))));
    },
    parseRecord: jobFromSqsRecord,
  };
}

export function jobFromSqsRecord(record: SqsRecordLike): SqsJob {
  const refuse = (why: string): DriftlessError =>
    new DriftlessError('BAD_REQUEST', `SQS message ${record.messageId} is not a driftless sync job: ${why}`, { transient: false });
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.body);
  } catch {
    throw refuse('its body is not JSON');
  }
  const request = parsed as Partial<SyncRequest> | null;
  if (!request || typeof request !== 'object' || Array.isArray(request) || typeof request.id !== 'string' || typeof request.app !== 'string'
    || typeof request.enqueuedAt !== 'string' || typeof request.trigger?.kind !== 'string') {
    throw refuse('it lacks id, app, trigger or enqueuedAt');
  }
  const count = Number(record.attributes?.ApproximateReceiveCount ?? '1');
  return { request: request as SyncRequest, messageId: record.messageId, receiptHandle: record.receiptHandle, receiveCount: Number.isFinite(count) && count >= 1 ? count : 1 };
}

/** SQS ids take alphanumerics and punctuation, 1 to 128 characters: anything else is hashed. */
function fit(kind: string, raw: string): string {
  if (raw.length <= maxIdLength && idPattern.test(raw)) return raw;
  return `${kind}:${createHash('sha256').update(raw).digest('hex')}`;
}

export function messageGroupId(app: string): string {
  return fit('app', app);
}

/**
 * One id per thing that should happen once: a push delivery per app (a redelivery within five
 * minutes is dropped), a poll per app and head commit (two polls seeing the same head enqueue
 * once), a heal per app and drift check, and every manual, CLI or scheduled request by its own id.
 */
export function deduplicationId(request: SyncRequest): string {
  const trigger = request.trigger;
  switch (trigger.kind) {
    case 'push':
      return fit('push', `push:${trigger.delivery}:${request.app}`);
    case 'poll':
      return fit('poll', `poll:${request.app}:${request.atLeast ?? request.revision ?? request.id}`);
    case 'schedule':
      return fit('drift', `drift:${request.app}:${request.id}`);
    case 'heal':
      // One heal per drift check of an app, however often the check's outcome is replayed.
      return fit('heal', `heal:${request.app}:${trigger.checkedAt}`);
    default:
      return fit(trigger.kind, `${trigger.kind}:${request.id}`);
  }
}

/** One drift check per app per scheduled run: EventBridge delivering a run twice queues it once. */
export function driftCheckDeduplicationId(request: DriftCheckRequest): string {
  return fit('drift-check', `drift-check:${request.app}:${request.run}`);
}
