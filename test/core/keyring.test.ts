import { describe, expect, it } from 'vitest';
import { Keyring } from '../../src/core/keyring.ts';

const key = 'k'.repeat(32);
const old = 'o'.repeat(32);

describe('Keyring', () => {
  it('macs are HMAC-SHA256, stable for one key and different for another', () => {
    const ring = new Keyring(key);
    expect(ring.mac('inventory', 'data')).toBe(new Keyring(key).mac('inventory', 'data'));
    expect(ring.mac('inventory', 'data')).toMatch(/^[\w-]{43}$/);
    expect(ring.mac('inventory', 'data')).not.toBe(new Keyring(old).mac('inventory', 'data'));
    expect(ring.mac('inventory', 'data')).not.toBe(ring.mac('inventory', 'datb'));
  });

  it('separates purposes: an inventory checksum is no applied hash', () => {
    const ring = new Keyring(key);
    const mac = ring.mac('inventory', 'data');
    expect(ring.mac('applied-hash', 'data')).not.toBe(mac);
    expect(ring.verify('applied-hash', 'data', mac)).toBeUndefined();
    expect(ring.verify('inventory', 'data', mac)).toBe('current');
  });

  it('verifies with the current key, then previous keys, and refuses the rest', () => {
    const rotated = new Keyring(key, [old]);
    expect(rotated.verify('inventory', 'data', new Keyring(old).mac('inventory', 'data'))).toBe('previous');
    expect(rotated.verify('inventory', 'data', rotated.mac('inventory', 'data'))).toBe('current');
    expect(rotated.verify('inventory', 'data', new Keyring('x'.repeat(32)).mac('inventory', 'data'))).toBeUndefined();
    expect(rotated.verify('inventory', 'data', '')).toBeUndefined();
    expect(rotated.verify('inventory', 'data', 'not base64 at all!')).toBeUndefined();
  });
});
