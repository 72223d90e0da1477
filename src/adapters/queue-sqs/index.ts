export { createSqsQueue, deduplicationId, jobFromSqsRecord, messageGroupId, visibilityBackoffSeconds } from './sqs-queue.ts';
export type { SqsJob, SqsQueueOptions, SqsRecordLike, SqsSyncQueue } from './sqs-queue.ts';
