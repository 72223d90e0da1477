import { S3Client } from '@aws-sdk/client-s3';
import { createMemoryContentCache } from '../adapters/github/memory-cache.ts';
import { createS3ContentCache, layeredContentCache } from '../adapters/cache-s3/index.ts';
import type { ContentCache } from '../ports/content-cache.ts';
import type { LambdaEnv } from './lambda-env.ts';

/**
 * The blob cache of the worker function (the http and drift functions never import this file): memory in
 * front of S3, so that a cold container does not fetch every blob from GitHub again and a warm one
 * reads nothing twice. Without a bucket (DRIFTLESS_CACHE_BUCKET unset), memory only.
 *
 * `requestChecksumCalculation: 'WHEN_REQUIRED'`: the cache already checks every object it reads
 * against the SHA-256 stored with it (and a Git blob against its object id), so the SDK's
 * default CRC32 on uploads adds nothing, and without it uploads go as plain bodies rather than
 * aws-chunked streams, which S3-compatible stores such as s3rver (the tests) would store framing
 * and all. The endpoint comes from `AWS_ENDPOINT_URL_S3` when set (tests), as the SDK reads it; an IP endpoint gets path-style addressing.
 */
export async function createAwsContentCache(env: LambdaEnv): Promise<ContentCache> {
  const memory = createMemoryContentCache();
  if (!env.cacheBucket) return memory;
  const client = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
  const bucket = env.cacheBucket;
  return layeredContentCache(memory, createS3ContentCache({
    client, bucket,
    onProblem: (p) => console.warn(JSON.stringify({ level: 'warn', message: 'S3 blob cache problem; read as a miss', bucket, op: p.op, reason: p.reason })),
  }));
}
