export { createS3ContentCache } from './s3-cache.ts';
export type { S3ContentCache, S3ContentCacheOptions, S3ContentCacheStats } from './s3-cache.ts';
export { layeredContentCache } from './layered.ts';
