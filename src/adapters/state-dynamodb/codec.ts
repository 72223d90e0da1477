import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * Large JSON values under DynamoDB's 400 KB item limit: inline when small, gzipped into a Binary
 * attribute when that fits, else gzipped and cut into chunks stored as separate items.
 */

/** Bytes one value may take inside an item, leaving room for keys and the other attributes. */
export const inlineLimit = 300_000;

export type Encoded =
  | { kind: 'inline'; data: string }
  | { kind: 'gzip'; dataGz: Uint8Array }
  | { kind: 'chunks'; set: string; chunks: Uint8Array[] };

export function encodeJson(value: unknown, limit = inlineLimit): Encoded {
  const data = JSON.stringify(value);
  if (Buffer.byteLength(data) <= limit) return { kind: 'inline', data };
  const gz = gzipSync(data);
  if (gz.byteLength <= limit) return { kind: 'gzip', dataGz: new Uint8Array(gz) };
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < gz.byteLength; at += limit) chunks.push(new Uint8Array(gz.subarray(at, at + limit)));
  return { kind: 'chunks', set: randomBytes(6).toString('hex'), chunks };
}

export function decodeJson<T>(item: { data?: unknown; dataGz?: unknown }, chunks?: Uint8Array[]): T {
  if (typeof item.data === 'string') return JSON.parse(item.data) as T;
  if (item.dataGz instanceof Uint8Array) return JSON.parse(gunzipSync(item.dataGz).toString('utf8')) as T;
  if (chunks && chunks.length > 0) return JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as T;
  throw new Error('stored record has no data');
}
