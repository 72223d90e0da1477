import { SqsError, type StoredMessage } from './sqs-queue.ts';
import type { AuthFailure } from './sigv4.ts';

/** SQS's wire shapes: authentication errors, batch entry checks, a received message's view. */

type Json = Record<string, unknown>;

export const JSON10 = 'application/x-amz-json-1.0';
export const coral = 'com.amazon.coral.service';
const BAD_SIGNATURE = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export function authError(failure: AuthFailure): SqsError {
  switch (failure.kind) {
    case 'missing': return new SqsError('MissingAuthenticationTokenException', 'MissingAuthenticationToken', 'Missing Authentication Token', 403, 'Sender', coral);
    case 'malformed': return new SqsError('IncompleteSignatureException', 'IncompleteSignature', failure.message, 400, 'Sender', coral);
    case 'unknownKey': return new SqsError('UnrecognizedClientException', 'InvalidClientTokenId', 'The security token included in the request is invalid.', 403, 'Sender', coral);
    case 'expiredToken': return new SqsError('ExpiredTokenException', 'ExpiredToken', 'The security token included in the request is expired', 403, 'Sender', coral);
    case 'badSignature': return new SqsError('InvalidSignatureException', 'SignatureDoesNotMatch', BAD_SIGNATURE, 403, 'Sender', coral);
    case 'expiredSignature': return new SqsError('InvalidSignatureException', 'SignatureDoesNotMatch', failure.message, 403, 'Sender', coral);
  }
}

const systemAttributes = [
  'SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp',
  'SequenceNumber', 'MessageDeduplicationId', 'MessageGroupId', 'DeadLetterQueueSourceArn',
];
export function checkBatch(entries: unknown): Json[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new SqsError('EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
  }
  if (entries.length > 10) {
    throw new SqsError('TooManyEntriesInBatchRequest', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', `Maximum number of entries per request are 10. You have sent ${entries.length}.`);
  }
  const ids = new Set<string>();
  for (const entry of entries as Json[]) {
    const id = String(entry.Id ?? '');
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      throw new SqsError('InvalidBatchEntryId', 'AWS.SimpleQueueService.InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
    if (ids.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    ids.add(id);
  }
  return entries as Json[];
}

export function view(message: StoredMessage, wanted: Set<string>, accountId: string): Json {
  const all: Record<string, string | undefined> = {
    SenderId: accountId,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: message.firstReceiveAt === undefined ? undefined : String(message.firstReceiveAt),
    SequenceNumber: message.sequenceNumber,
    MessageDeduplicationId: message.dedupId,
    MessageGroupId: message.groupId,
    DeadLetterQueueSourceArn: message.deadLetterSourceArn,
  };
  const names = wanted.has('All') ? systemAttributes : systemAttributes.filter((name) => wanted.has(name));
  const Attributes = Object.fromEntries(names.filter((name) => all[name] !== undefined).map((name) => [name, all[name]!]));
  return {
    MessageId: message.messageId, ReceiptHandle: message.receiptHandle, MD5OfBody: message.md5, Body: message.body,
    ...(Object.keys(Attributes).length > 0 ? { Attributes } : {}),
  };
}
