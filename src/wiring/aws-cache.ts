import { createMemoryContentCache } from '../adapters/github/memory-cache.ts';
import type { ContentCache } from '../ports/content-cache.ts';
import type { LambdaEnv } from './lambda-env.ts';

/**
 * The blob cache of the worker and drift functions (never imported by the http function).
 * SEAM(lead): once src/adapters/cache-s3 is on main, memory in front of S3, so that a cold container
 * does not fetch every blob from GitHub again and a warm one reads nothing twice:
 *
 *   const { createS3ContentCache, layeredContentCache } = await import('../adapters/cache-s3/index.ts');
 *   return layeredContentCache(createMemoryContentCache(), createS3ContentCache({ client: new S3Client({}), bucket: env.cacheBucket }));
 *
 * Until then: memory only, for the container's life.
 */
export async function createAwsContentCache(env: LambdaEnv): Promise<ContentCache> {
  void env.cacheBucket;
  return createMemoryContentCache();
}
