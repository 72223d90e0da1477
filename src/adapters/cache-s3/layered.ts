import type { ContentCache } from '../../ports/content-cache.ts';

/**
 * A fast cache in front of a slow one (memory in front of S3 in a Lambda container): reads try
 * the front first and copy what the back had into it; writes go to both, the front first so a
 * failing back never loses the warm copy.
 */
export function layeredContentCache(front: ContentCache, back: ContentCache): ContentCache {
  return {
    async get(key) {
      const warm = await front.get(key);
      if (warm) return warm;
      const cold = await back.get(key);
      if (cold) await front.set(key, cold);
      return cold;
    },
    async set(key, value) {
      await front.set(key, value);
      await back.set(key, value);
    },
    async getMany(keys) {
      const found = await readMany(front, keys);
      const missing = keys.filter((key) => !found.has(key));
      if (missing.length === 0) return found;
      for (const [key, value] of await readMany(back, missing)) {
        await front.set(key, value);
        found.set(key, value);
      }
      return found;
    },
  };
}

async function readMany(cache: ContentCache, keys: string[]): Promise<Map<string, Uint8Array>> {
  if (cache.getMany) return cache.getMany(keys);
  const found = new Map<string, Uint8Array>();
  for (const key of keys) {
    const value = await cache.get(key);
    if (value) found.set(key, value);
  }
  return found;
}
