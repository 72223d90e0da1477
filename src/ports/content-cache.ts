/**
 * A content-addressed cache: a key names immutable content (a Git blob SHA, or a derived key such as
 * "tree:<commit sha>" holding a JSON listing, "commit:<sha>" marking a known commit), so an entry never needs
 * invalidating. Memory in-process; on Lambda memory in front of S3, so a cold container still finds
 * the blobs. `set` may decline values it cannot hold (size limits): a later `get` then answers
 * undefined and the caller fetches again.
 */
export interface ContentCache {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  /** Optional batch read (one round trip on remote stores); missing keys are absent from the map. */
  getMany?(keys: string[]): Promise<Map<string, Uint8Array>>;
}
