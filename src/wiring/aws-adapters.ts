import { DriftlessError } from '../core/errors.ts';
import type { ContentCache } from '../ports/content-cache.ts';
import type { SyncQueue } from '../ports/queue.ts';
import type { StateStore } from '../ports/state.ts';
import type { LambdaEnv } from './lambda-env.ts';

/** The AWS systems behind the ports on Lambda: DynamoDB state, the SQS FIFO queue, the S3 blob cache. */
export interface AwsAdapters {
  store: StateStore;
  queue: SyncQueue;
  /** Absent: blobs are cached in memory for the container's life. */
  cache?: ContentCache;
}

/** Which adapters a function needs: the http function never reads blobs. */
export interface AwsAdapterNeeds {
  cache: boolean;
}

/**
 * SEAM(lead): the DynamoDB, SQS and S3 adapters are written in parallel (wt/awsadapt) under the
 * agreed names. Once they are on main, this becomes (clients built once per container):
 *
 *   const { createDynamoStateStore } = await import('../adapters/state-dynamodb/index.ts');
 *   const { createSqsQueue } = await import('../adapters/queue-sqs/index.ts');
 *   const { createS3ContentCache } = await import('../adapters/cache-s3/index.ts');
 *   return {
 *     store: createDynamoStateStore({ client: new DynamoDBClient({}), tableName: env.table }),
 *     queue: createSqsQueue({ client: new SQSClient({}), queueUrl: env.queueUrl }),
 *     // Memory in front of S3 (layeredContentCache in the same folder): a warm container reads nothing twice.
 *     ...(needs.cache && env.cacheBucket ? { cache: layeredContentCache(createMemoryContentCache(), createS3ContentCache({ client: new S3Client({}), bucket: env.cacheBucket })) } : {}),
 *   };
 *
 * Import them with `await import()` inside this function as above: esbuild inlines them either way,
 * and the http bundle then holds the DynamoDB and SQS clients only (no S3).
 *
 * Until then a deployed function fails here, at its first invocation, with this message.
 */
export async function createAwsAdapters(env: LambdaEnv, needs: AwsAdapterNeeds): Promise<AwsAdapters> {
  void needs;
  throw new DriftlessError('INTERNAL', `the DynamoDB/SQS/S3 adapters are not wired into src/wiring/aws-adapters.ts yet (table ${env.table}, queue ${env.queueUrl})`);
}
