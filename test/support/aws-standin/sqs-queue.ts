import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * The queue model behind the SQS stand-in: FIFO semantics as SQS documents them (message groups
 * delivered in order, a group held while any of its messages is in flight, the 5-minute
 * deduplication window, receive counts, redrive to a dead-letter queue after maxReceiveCount).
 * Time comes from an injectable clock; nothing here reads the wall clock.
 */

export class SqsError extends Error {
  constructor(
    /** Shape name of `__type` (<namespace>#<type>). */
    readonly type: string,
    /** The query-protocol code the SDK reads from `x-amzn-query-error`. */
    readonly queryCode: string,
    message: string,
    readonly status = 400,
    readonly fault: 'Sender' | 'Receiver' = 'Sender',
    /** SQS's own errors; authentication errors come from the AWS front door (com.amazon.coral.service). */
    readonly namespace = 'com.amazonaws.sqs',
  ) {
    super(message);
  }
}

export const nonExistentQueue = (): SqsError =>
  new SqsError('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
export const invalidParameter = (message: string): SqsError => new SqsError('InvalidParameterValue', 'InvalidParameterValue', message);
export const missingParameter = (name: string): SqsError =>
  new SqsError('MissingParameter', 'MissingParameter', `The request must contain the parameter ${name}.`);

export const dedupWindowMs = 5 * 60_000;
/** SQS raised its message size limit from 256 KiB to 1 MiB in 2025. */
export const maxBodyBytes = 1024 * 1024;
/** Alphanumeric and punctuation, 1 to 128 characters (group and deduplication ids). */
const idPattern = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

export interface StoredMessage {
  messageId: string;
  body: string;
  md5: string;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
  sentAt: number;
  /** Queue-level delay: not deliverable before this. */
  availableAt: number;
  /** Set while in flight: invisible until this time. */
  invisibleUntil?: number;
  receiptHandle?: string;
  receiveCount: number;
  firstReceiveAt?: number;
  /** Set when a redrive moved it here from its source queue. */
  deadLetterSourceArn?: string;
}

export interface SendInput {
  MessageBody?: string;
  DelaySeconds?: number;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

export interface SendOutput {
  MessageId: string;
  MD5OfMessageBody: string;
  SequenceNumber?: string;
}

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

export class Queue {
  readonly messages: StoredMessage[] = [];
  private readonly dedup = new Map<string, { at: number; out: SendOutput }>();
  private sequence = 0n;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly arn: string,
    readonly attributes: Record<string, string>,
    readonly createdAt: number,
  ) {}

  get fifo(): boolean {
    return this.attributes.FifoQueue === 'true';
  }

  get visibilityTimeoutSeconds(): number {
    return Number(this.attributes.VisibilityTimeout ?? '30');
  }

  get redrivePolicy(): RedrivePolicy | undefined {
    const raw = this.attributes.RedrivePolicy;
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
    return { deadLetterTargetArn: parsed.deadLetterTargetArn, maxReceiveCount: Number(parsed.maxReceiveCount) };
  }

  send(input: SendInput, now: number): SendOutput {
    const body = input.MessageBody;
    if (body === undefined) throw missingParameter('MessageBody');
    if (body.length === 0) throw invalidParameter('The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > maxBodyBytes) {
      throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${maxBodyBytes} bytes.`);
    }
    if (!this.fifo) {
      if (input.MessageGroupId !== undefined || input.MessageDeduplicationId !== undefined) {
        throw invalidParameter('The request include parameter that is not valid for this queue type');
      }
      const delay = input.DelaySeconds ?? Number(this.attributes.DelaySeconds ?? '0');
      return this.store({ body, availableAt: now + delay * 1000 }, now).out;
    }
    if (input.DelaySeconds !== undefined) {
      throw invalidParameter(`Value ${input.DelaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`);
    }
    if (input.MessageGroupId === undefined) throw missingParameter('MessageGroupId');
    checkId('MessageGroupId', input.MessageGroupId);
    let dedupId = input.MessageDeduplicationId;
    if (dedupId === undefined) {
      if (this.attributes.ContentBasedDeduplication !== 'true') {
        throw invalidParameter('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      }
      dedupId = createHash('sha256').update(body).digest('hex');
    }
    checkId('MessageDeduplicationId', dedupId);
    const seen = this.dedup.get(dedupId);
    // A duplicate within the window is accepted and answered with the original's id, but not
    // enqueued; the body checksum is the one sent (the SDK checks it against what it sent).
    if (seen && now - seen.at < dedupWindowMs) return { ...seen.out, MD5OfMessageBody: md5(body) };
    const stored = this.store({ body, groupId: input.MessageGroupId, dedupId, availableAt: now + Number(this.attributes.DelaySeconds ?? '0') * 1000 }, now);
    this.dedup.set(dedupId, { at: now, out: stored.out });
    return stored.out;
  }

  /** A message moved here by redrive keeps its id, body, group and sent time; its receive count restarts. */
  adopt(message: StoredMessage, sourceArn: string, now: number): void {
    const moved: StoredMessage = { ...message, receiveCount: 0, availableAt: now, deadLetterSourceArn: sourceArn };
    delete moved.invisibleUntil;
    delete moved.receiptHandle;
    delete moved.firstReceiveAt;
    if (this.fifo) moved.sequenceNumber = this.nextSequence();
    this.messages.push(moved);
  }

  /**
   * Messages to deliver now, in order. FIFO: a group with a message in flight gives nothing, and
   * a group's messages come in order. `redrive` receives messages past maxReceiveCount instead.
   */
  take(max: number, visibilitySeconds: number, now: number, redrive: (message: StoredMessage) => boolean): StoredMessage[] {
    this.expire(now);
    const held = new Set<string>();
    if (this.fifo) for (const m of this.messages) if (m.groupId !== undefined && this.inFlight(m, now)) held.add(m.groupId);
    const out: StoredMessage[] = [];
    for (const message of [...this.messages]) {
      if (out.length >= max) break;
      if (message.groupId !== undefined && held.has(message.groupId)) continue;
      if (this.inFlight(message, now) || message.availableAt > now) {
        // Later messages of the group wait behind this one.
        if (message.groupId !== undefined) held.add(message.groupId);
        continue;
      }
      const policy = this.redrivePolicy;
      if (policy && message.receiveCount >= policy.maxReceiveCount && redrive(message)) {
        this.remove(message);
        continue;
      }
      message.receiveCount++;
      message.firstReceiveAt ??= now;
      message.invisibleUntil = now + visibilitySeconds * 1000;
      message.receiptHandle = `${Buffer.from(this.url).toString('base64url')}.${message.messageId}.${randomBytes(12).toString('base64url')}`;
      out.push(message);
    }
    return out;
  }

  find(receiptHandle: string): { message?: StoredMessage; stale: boolean } {
    const [queuePart, messageId, nonce] = receiptHandle.split('.');
    if (!queuePart || !messageId || !nonce || Buffer.from(queuePart, 'base64url').toString() !== this.url) {
      throw new SqsError('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`, 404);
    }
    const message = this.messages.find((m) => m.messageId === messageId);
    if (!message) return { stale: false };
    return { message, stale: message.receiptHandle !== receiptHandle };
  }

  remove(message: StoredMessage): void {
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
  }

  inFlight(message: StoredMessage, now: number): boolean {
    return message.invisibleUntil !== undefined && message.invisibleUntil > now;
  }

  counts(now: number): { visible: number; notVisible: number; delayed: number } {
    this.expire(now);
    let visible = 0;
    let notVisible = 0;
    let delayed = 0;
    for (const m of this.messages) {
      if (this.inFlight(m, now)) notVisible++;
      else if (m.availableAt > now) delayed++;
      else visible++;
    }
    return { visible, notVisible, delayed };
  }

  purge(): void {
    this.messages.length = 0;
  }

  private expire(now: number): void {
    const retentionMs = Number(this.attributes.MessageRetentionPeriod ?? '345600') * 1000;
    for (const m of [...this.messages]) if (now - m.sentAt >= retentionMs) this.remove(m);
  }

  private store(fields: { body: string; groupId?: string; dedupId?: string; availableAt: number }, now: number): { out: SendOutput } {
    const message: StoredMessage = {
      messageId: randomUUID(), body: fields.body, md5: md5(fields.body), sentAt: now, availableAt: fields.availableAt, receiveCount: 0,
      ...(fields.groupId !== undefined ? { groupId: fields.groupId } : {}),
      ...(fields.dedupId !== undefined ? { dedupId: fields.dedupId } : {}),
      ...(this.fifo ? { sequenceNumber: this.nextSequence() } : {}),
    };
    this.messages.push(message);
    const out: SendOutput = { MessageId: message.messageId, MD5OfMessageBody: message.md5 };
    if (message.sequenceNumber) out.SequenceNumber = message.sequenceNumber;
    return { out };
  }

  private nextSequence(): string {
    this.sequence++;
    // SQS sequence numbers are 128-bit decimal strings that only grow; 20 digits keep them sortable.
    return (18_000_000_000_000_000_000n + this.sequence).toString();
  }
}

function checkId(name: string, value: string): void {
  if (!idPattern.test(value)) {
    throw invalidParameter(`Value ${value} for parameter ${name} is invalid. Reason: ${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  }
}
