import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsQueue, type SqsSyncQueue } from '../adapters/queue-sqs/index.ts';
import { createDynamoStateStore } from '../adapters/state-dynamodb/index.ts';
import type { StateStore } from '../ports/state.ts';
import type { LambdaEnv } from './lambda-env.ts';

/** The AWS systems behind the state and queue ports on Lambda: DynamoDB and the SQS FIFO queue. */
export interface AwsAdapters {
  store: StateStore;
  queue: SqsSyncQueue;
}

/**
 * Called once per container (the handlers keep its result), so each client, with its connection
 * pool, lives as long as the container. Region, credentials and endpoints come from the function's
 * environment as the SDK reads them (AWS_REGION, the role's keys, `AWS_ENDPOINT_URL_DYNAMODB` /
 * `AWS_ENDPOINT_URL_SQS` in tests). The S3 cache lives in aws-cache.ts so that the http function,
 * which imports this file, bundles no S3 client.
 */
export async function createAwsAdapters(env: LambdaEnv): Promise<AwsAdapters> {
  return {
    store: createDynamoStateStore({ client: new DynamoDBClient({}), tableName: env.table }),
    queue: createSqsQueue({ client: new SQSClient({}), queueUrl: env.queueUrl }),
  };
}
