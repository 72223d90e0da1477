import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed webhook's signature: HMAC-SHA256 with the shared secret over `${timestamp}.${body}`,
 * timestamp in Unix seconds (X-Driftless-Timestamp), sent as `sha256=<hex>` (X-Driftless-Signature).
 * Binding the timestamp into the MAC lets a receiver reject replays: refuse a timestamp older than
 * a few minutes, and remember X-Driftless-Delivery ids seen within that window.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (documented in the README); kept here so the test of the format is the documentation's. */
export function verifyWebhook(secret: string, headers: { timestamp: string | undefined; signature: string | undefined }, body: string, options: { now?: number; toleranceSeconds?: number } = {}): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || headers.signature === undefined) return false;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const presented = Buffer.from(headers.signature);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}
