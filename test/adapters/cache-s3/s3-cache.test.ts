import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3ContentCache, layeredContentCache } from '../../../src/adapters/cache-s3/index.ts';
import { createMemoryContentCache } from '../../../src/adapters/github/memory-cache.ts';
import { startS3rver, type S3Standin } from '../../support/aws-standin/s3.ts';

let s3: S3Standin;
beforeAll(async () => {
  s3 = await startS3rver(['blobs']);
});
afterAll(async () => {
  await s3?.close();
});

const encoder = new TextEncoder();
const blobId = (bytes: Uint8Array) => createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
const objectKey = (prefix: string, key: string) => `${prefix}${createHash('sha256').update(key).digest('hex')}`;

describe('S3 ContentCache (s3rver)', () => {
  it('serves what it stored byte for byte, across clients; an unknown key is a miss', async () => {
    const cache = createS3ContentCache({ client: s3.client(), bucket: 'blobs', prefix: 't1/' });
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
    const key = blobId(bytes);
    await cache.set(key, bytes);
    // A cold container: a new client and a new cache.
    const cold = createS3ContentCache({ client: s3.client(), bucket: 'blobs', prefix: 't1/' });
    expect(Buffer.from((await cold.get(key))!).equals(Buffer.from(bytes))).toBe(true);
    expect(await cold.get('f'.repeat(40))).toBeUndefined();
    expect(cold.stats).toEqual({ hits: 1, misses: 1, corrupt: 0, errors: 0 });
    const tree = encoder.encode('[{"path":"a"}]');
    await cold.set('tree:abc', tree);
    const many = await cold.getMany!([key, 'tree:abc', 'tree:missing']);
    expect([...many.keys()].sort()).toEqual([key, 'tree:abc']);
    expect(new TextDecoder().decode(many.get('tree:abc'))).toBe('[{"path":"a"}]');
  });

  it('treats a corrupted object as a miss and lets the next set repair it', async () => {
    const client = s3.client();
    const onProblem: Array<{ op: string; reason: string }> = [];
    const cache = createS3ContentCache({ client, bucket: 'blobs', prefix: 't2/', onProblem: (p) => void onProblem.push(p) });
    const bytes = encoder.encode('apiVersion: v1\nkind: ConfigMap\n');
    const key = blobId(bytes);
    await cache.set(key, bytes);
    const stored = await client.send(new GetObjectCommand({ Bucket: 'blobs', Key: objectKey('t2/', key) }));
    // Flip bytes, keeping the metadata: the checksum no longer matches.
    await client.send(new PutObjectCommand({ Bucket: 'blobs', Key: objectKey('t2/', key), Body: encoder.encode('apiVersion: v1\nkind: Secret\n!!!'), Metadata: stored.Metadata }));
    expect(await cache.get(key)).toBeUndefined();
    expect(cache.stats.corrupt).toBe(1);
    expect(onProblem).toEqual([{ op: 'get', key, reason: 'stored bytes do not match their checksum' }]);

    // Self-consistent but not the blob the key names: still a miss.
    const other = encoder.encode('something else');
    await client.send(new PutObjectCommand({
      Bucket: 'blobs', Key: objectKey('t2/', key), Body: other,
      Metadata: { sha256: createHash('sha256').update(other).digest('hex'), size: String(other.byteLength) },
    }));
    expect(await cache.get(key)).toBeUndefined();
    expect(cache.stats.corrupt).toBe(2);

    await cache.set(key, bytes);
    expect(new TextDecoder().decode(await cache.get(key))).toBe('apiVersion: v1\nkind: ConfigMap\n');
    // A value that is not the blob its key names is never stored.
    await cache.set('0'.repeat(40), bytes);
    expect(await cache.get('0'.repeat(40))).toBeUndefined();
  });

  it('a missing bucket reads as misses and reports the problem; values over the limit are not stored', async () => {
    const problems: string[] = [];
    const cache = createS3ContentCache({ client: s3.client(), bucket: 'no-such-bucket', onProblem: (p) => void problems.push(`${p.op}:${p.reason}`) });
    await cache.set('tree:x', encoder.encode('x'));
    expect(await cache.get('tree:x')).toBeUndefined();
    expect(problems).toEqual(['set:NoSuchBucket', 'get:NoSuchBucket']);
    const small = createS3ContentCache({ client: s3.client(), bucket: 'blobs', prefix: 't3/', maxBytes: 4 });
    await small.set('tree:y', encoder.encode('too large'));
    expect(await small.get('tree:y')).toBeUndefined();
  });
});

describe('memory in front of S3', () => {
  it('reads the front first, fills it from the back, and writes through both', async () => {
    const back = createS3ContentCache({ client: s3.client(), bucket: 'blobs', prefix: 't4/' });
    const bytes = encoder.encode('kind: Namespace\n');
    const key = blobId(bytes);
    await back.set(key, bytes);
    const front = createMemoryContentCache();
    const cache = layeredContentCache(front, back);
    expect(new TextDecoder().decode(await cache.get(key))).toBe('kind: Namespace\n');
    expect(front.size).toBe(1);
    await cache.get(key);
    expect(back.stats.hits).toBe(1);
    const other = encoder.encode('kind: ConfigMap\n');
    await cache.set(blobId(other), other);
    expect(await back.get(blobId(other))).toBeDefined();
    const warm = createMemoryContentCache();
    const many = await layeredContentCache(warm, back).getMany!([key, blobId(other), 'f'.repeat(40)]);
    expect([...many.keys()].sort()).toEqual([key, blobId(other)].sort());
    expect(warm.size).toBe(2);
  });
});
