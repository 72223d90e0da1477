import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ContentCache } from '../../ports/content-cache.ts';

/**
 * ContentCache in an S3 bucket, so a cold Lambda does not fetch every blob from GitHub again.
 * Object key: `<prefix><sha256 of the cache key>` (uniform, whatever characters a derived key such
 * as "tree:<sha>" holds). Each object carries the SHA-256 of its bytes and their length as user
 * metadata, and a read serves the bytes only if they hash to it; a Git blob key (40 or 64 hex
 * digits) must moreover be the Git object id of the bytes. A mismatch, a missing object or any S3
 * error is a miss, never an error and never wrong bytes: the caller fetches from the source and
 * `set` writes a good copy over a bad one. Objects never change, so a lifecycle rule may expire them.
 */

export interface S3ContentCacheOptions {
  client: S3Client;
  bucket: string;
  /** Default "blobs/". */
  prefix?: string;
  /** Values larger than this are not stored. Default 32 MiB. */
  maxBytes?: number;
  /** Parallel GETs of one getMany. Default 16. */
  concurrency?: number;
  /** Told about S3 errors and corrupt objects (which read as misses), e.g. to log a misconfigured bucket. */
  onProblem?: (problem: { op: 'get' | 'set'; key: string; reason: string }) => void;
}

export interface S3ContentCacheStats {
  hits: number;
  misses: number;
  corrupt: number;
  errors: number;
}

export interface S3ContentCache extends ContentCache {
  readonly stats: S3ContentCacheStats;
}

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** Git's object id of a blob: the hash of "blob <length>\0" and the bytes (SHA-1, or SHA-256 repositories). */
function gitBlobId(bytes: Uint8Array, algorithm: 'sha1' | 'sha256'): string {
  return createHash(algorithm).update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

function matchesKey(key: string, bytes: Uint8Array): boolean {
  if (/^[0-9a-f]{40}$/.test(key)) return gitBlobId(bytes, 'sha1') === key;
  if (/^[0-9a-f]{64}$/.test(key)) return gitBlobId(bytes, 'sha256') === key;
  return true;
}

export function createS3ContentCache(options: S3ContentCacheOptions): S3ContentCache {
  const { client, bucket } = options;
  const prefix = options.prefix ?? 'blobs/';
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  const stats: S3ContentCacheStats = { hits: 0, misses: 0, corrupt: 0, errors: 0 };
  const objectKey = (key: string): string => `${prefix}${sha256(key)}`;
  const problem = (op: 'get' | 'set', key: string, reason: string): void => options.onProblem?.({ op, key, reason });

  const get = async (key: string): Promise<Uint8Array | undefined> => {
    let bytes: Uint8Array;
    let metadata: Record<string, string>;
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      metadata = out.Metadata ?? {};
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== 'NoSuchKey' && name !== 'NotFound') {
        stats.errors++;
        problem('get', key, name ?? String(err));
      }
      stats.misses++;
      return undefined;
    }
    if (metadata.sha256 !== sha256(bytes) || Number(metadata.size) !== bytes.byteLength || !matchesKey(key, bytes)) {
      stats.corrupt++;
      stats.misses++;
      problem('get', key, 'stored bytes do not match their checksum');
      return undefined;
    }
    stats.hits++;
    return bytes;
  };

  return {
    stats,
    get,
    async set(key, value) {
      if (value.byteLength > maxBytes) return;
      // Never store what a later read would refuse (a caller's key that does not name the bytes).
      if (!matchesKey(key, value)) return;
      try {
        await client.send(new PutObjectCommand({
          Bucket: bucket, Key: objectKey(key), Body: value, ContentType: 'application/octet-stream',
          Metadata: { sha256: sha256(value), size: String(value.byteLength) },
        }));
      } catch (err) {
        stats.errors++;
        problem('set', key, (err as { name?: string }).name ?? String(err));
      }
    },
    async getMany(keys) {
      const found = new Map<string, Uint8Array>();
      const queue = [...new Set(keys)];
      const worker = async (): Promise<void> => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
          const value = await get(key);
          if (value) found.set(key, value);
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, queue.length) }, worker));
      return found;
    },
  };
}
