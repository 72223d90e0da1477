import { describe, expect, it } from 'vitest';
import { createMemoryContentCache } from '../../../src/adapters/github/memory-cache.ts';

const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(1);

describe('memory content cache', () => {
  it('returns what was stored and evicts least recently used entries past its byte budget', async () => {
    const cache = createMemoryContentCache({ maxBytes: 10 });
    await cache.set('a', bytes(4));
    await cache.set('b', bytes(4));
    expect(await cache.get('a')).toEqual(bytes(4)); // a is now the most recently used
    await cache.set('c', bytes(4));
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBeDefined();
    expect(cache.bytes).toBe(8);
    expect([...(await cache.getMany!(['a', 'b', 'c'])).keys()]).toEqual(['a', 'c']);
  });

  it('ignores values larger than the whole budget', async () => {
    const cache = createMemoryContentCache({ maxBytes: 3 });
    await cache.set('big', bytes(4));
    expect(cache.size).toBe(0);
  });
});
