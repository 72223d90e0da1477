import { DriftlessError } from '../core/errors.ts';
import type { SyncQueue } from '../ports/queue.ts';
import type { StateStore } from '../ports/state.ts';
import type { LambdaEnv } from './lambda-env.ts';

/** The AWS systems behind the state and queue ports on Lambda: DynamoDB and the SQS FIFO queue. */
export interface AwsAdapters {
  store: StateStore;
  queue: SyncQueue;
}

/**
 * SEAM(lead): the DynamoDB and SQS adapters are written in parallel (wt/awsadapt) under the agreed
 * names. Once they are on main, this becomes (clients built once per container, as this is):
 *
 *   const { createDynamoStateStore } = await import('../adapters/state-dynamodb/index.ts');
 *   const { createSqsQueue } = await import('../adapters/queue-sqs/index.ts');
 *   return {
 *     store: createDynamoStateStore({ client: new DynamoDBClient({}), tableName: env.table }),
 *     queue: createSqsQueue({ client: new SQSClient({}), queueUrl: env.queueUrl }),
 *   };
 *
 * The S3 cache lives in aws-cache.ts so that the http function, which imports this file, bundles
 * no S3 client. Until then a deployed function fails here, at its first invocation, with this message.
 */
export async function createAwsAdapters(env: LambdaEnv): Promise<AwsAdapters> {
  throw new DriftlessError('INTERNAL', `the DynamoDB/SQS adapters are not wired into src/wiring/aws-adapters.ts yet (table ${env.table}, queue ${env.queueUrl})`);
}
