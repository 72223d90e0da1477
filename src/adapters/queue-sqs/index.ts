export { createSqsQueue, deduplicationId, jobFromSqsRecord, messageGroupId } from './sqs-queue.ts';
export type { SqsJob, SqsQueueOptions, SqsRecordLike, SqsSyncQueue } from './sqs-queue.ts';
export { createVisibilityChanger } from './change-visibility.ts';
