import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a MAC is for. Each purpose keys its own HMAC (the purpose is part of the MACed bytes), so a
 * MAC made for one can never be replayed as another: a Secret's applied hash is no inventory checksum.
 */
export type MacPurpose = 'inventory' | 'applied-hash' | 'drift-mask';

/** Which key verified a MAC: a MAC made with a previous key asks for a rewrite with the current one. */
export type Verified = 'current' | 'previous';

/** Keys shorter than this are refused: the key is all that stands between a reader and a Secret's value. */
export const MIN_KEY_LENGTH = 32;

/**
 * The signing key shared by the CLI, `serve` and Lambda, plus the keys it replaced. Pure: the key
 * material comes from wiring (config `signing`); nothing here reads files or logs.
 */
export class Keyring {
  private readonly current: Buffer;
  private readonly previous: Buffer[];

  constructor(current: string, previous: string[] = []) {
    this.current = Buffer.from(current, 'utf8');
    this.previous = previous.map((key) => Buffer.from(key, 'utf8'));
  }

  private static hmac(key: Buffer, purpose: MacPurpose, data: string | Uint8Array): Buffer {
    return createHmac('sha256', key).update(`driftless/${purpose}\0`).update(data).digest();
  }

  /** HMAC-SHA256 of `data` for `purpose` with the current key, base64url. */
  mac(purpose: MacPurpose, data: string | Uint8Array): string {
    return Keyring.hmac(this.current, purpose, data).toString('base64url');
  }

  /** Which key (current first, then previous ones) made `mac`; undefined when none did. Timing-safe. */
  verify(purpose: MacPurpose, data: string | Uint8Array, mac: string): Verified | undefined {
    const given = Buffer.from(mac, 'base64url');
    const matches = (key: Buffer): boolean => {
      const expected = Keyring.hmac(key, purpose, data);
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    if (matches(this.current)) return 'current';
    return this.previous.some(matches) ? 'previous' : undefined;
  }
}
