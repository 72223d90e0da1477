import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DriftlessError } from '../../core/errors.ts';

/**
 * Sets when a received message shows again (ChangeMessageVisibility): the Lambda worker uses it to
 * bring a transiently failed sync back after a back-off rather than after the queue's whole
 * visibility timeout. Failures are QUEUE_UNAVAILABLE (transient); the message then reappears after
 * the visibility timeout anyway, so nothing is lost.
 */
export function createVisibilityChanger(options: { client: SQSClient; queueUrl: string }): (receiptHandle: string, seconds: number) => Promise<void> {
  return async (receiptHandle, seconds) => {
    try {
      await options.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: options.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
    } catch (cause) {
      throw new DriftlessError('QUEUE_UNAVAILABLE', `could not change the visibility of a message on ${options.queueUrl}`, { transient: true }, { cause });
    }
  };
}
