export { createSqsQueue, deduplicationId, driftCheckDeduplicationId, jobFromSqsRecord, messageGroupId } from './sqs-queue.ts';
export type { SqsJob, SqsQueueOptions, SqsRecordLike, SqsSyncQueue } from './sqs-queue.ts';
export { createVisibilityChanger } from './change-visibility.ts';
