import type { ContentCache } from '../../ports/content-cache.ts';

export interface MemoryContentCache extends ContentCache {
  readonly size: number;
  readonly bytes: number;
}

/** In-process ContentCache with a byte budget; evicts least recently used entries. */
export function createMemoryContentCache(options: { maxBytes?: number } = {}): MemoryContentCache {
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const entries = new Map<string, Uint8Array>();
  let bytes = 0;
  return {
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
    async get(key) {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    async set(key, value) {
      if (value.byteLength > maxBytes) return;
      const old = entries.get(key);
      if (old) {
        bytes -= old.byteLength;
        entries.delete(key);
      }
      entries.set(key, value);
      bytes += value.byteLength;
      for (const [k, v] of entries) {
        if (bytes <= maxBytes) break;
        entries.delete(k);
        bytes -= v.byteLength;
      }
    },
    async getMany(keys) {
      const found = new Map<string, Uint8Array>();
      for (const key of keys) {
        const value = entries.get(key);
        if (value !== undefined) found.set(key, value);
      }
      return found;
    },
  };
}
