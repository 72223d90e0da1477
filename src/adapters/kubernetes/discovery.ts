import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResourceType } from '../../ports/cluster.ts';
import { defaultDiskCacheMaxBytes, writeCacheFile } from './disk-cache.ts';

/** What the server serves in one group version: /api/v1 or /apis/<group>/<version>. */
export interface GroupVersionEntry {
  fetchedAt: number;
  /** Undefined when the group version is not served at all (404). */
  resources?: ResourceType[];
}

export interface DiscoveryCacheOptions {
  /** Folder for the on-disk cache (the CLI's ~/.cache/driftless/discovery); memory only when absent. */
  dir?: string;
  ttlMs?: number;
  now?: () => number;
  /** Bytes the folder may hold (older servers' files go first). Default 64 MiB. */
  maxBytes?: number;
}

/** In-memory entries shared by every client of a process (per container on Lambda), by server URL. */
const processCache = new Map<string, Map<string, GroupVersionEntry>>();

/**
 * Discovery results per group version, cached in memory per process and (for the CLI) on disk in
 * one JSON file per API server URL. Entries expire after a short TTL and are refreshed on demand
 * when a kind is not found, so a freshly installed CRD is seen.
 */
export class DiscoveryCache {
  private readonly memory: Map<string, GroupVersionEntry>;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly file: string | undefined;
  private loaded = false;

  constructor(server: string, private readonly options: DiscoveryCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    let memory = processCache.get(server);
    if (!memory) processCache.set(server, (memory = new Map()));
    this.memory = memory;
    this.file = options.dir ? path.join(options.dir, `${createHash('sha256').update(server).digest('hex').slice(0, 24)}.json`) : undefined;
  }

  private async loadDisk(): Promise<void> {
    if (this.loaded || !this.file) return;
    this.loaded = true;
    try {
      const stored = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, GroupVersionEntry>;
      for (const [gv, entry] of Object.entries(stored)) if (!this.memory.has(gv)) this.memory.set(gv, entry);
    } catch {
      // A missing or corrupt cache file only costs a discovery round trip.
    }
  }

  async get(groupVersion: string): Promise<GroupVersionEntry | undefined> {
    await this.loadDisk();
    const entry = this.memory.get(groupVersion);
    return entry && this.now() - entry.fetchedAt < this.ttlMs ? entry : undefined;
  }

  async set(groupVersion: string, resources: ResourceType[] | undefined): Promise<void> {
    this.memory.set(groupVersion, resources ? { fetchedAt: this.now(), resources } : { fetchedAt: this.now() });
    if (!this.file) return;
    try {
      await writeCacheFile(this.file, JSON.stringify(Object.fromEntries(this.memory)), this.options.maxBytes ?? defaultDiskCacheMaxBytes);
    } catch {
      // The cache is an optimisation; a read-only home must not fail a sync.
    }
  }

  /** Forget everything (tests; after CRDs change). */
  clear(): void {
    this.memory.clear();
  }
}
