import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Small on-disk caches of cluster metadata (discovery, OpenAPI documents): ~/.cache for the CLI,
 * /tmp on Lambda, where the disk is 512 MB by default and lives only as long as a warm container.
 * Every write trims its folder back under a byte budget, least recently used files first (a read
 * touches its file), so the cache never crowds out the work that needs the disk.
 */

export const defaultDiskCacheMaxBytes = 64 * 1024 * 1024;

export async function trimDirectory(dir: string, maxBytes: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const files = (await Promise.all(names.filter((name) => !name.endsWith('.tmp')).map(async (name) => {
    try {
      const info = await stat(path.join(dir, name));
      return info.isFile() ? { name, size: info.size, mtime: info.mtimeMs } : undefined;
    } catch {
      return undefined;
    }
  }))).filter((f): f is { name: string; size: number; mtime: number } => f !== undefined);
  let total = files.reduce((sum, f) => sum + f.size, 0);
  for (const file of files.sort((a, b) => a.mtime - b.mtime)) {
    if (total <= maxBytes) break;
    await unlink(path.join(dir, file.name)).catch(() => undefined);
    total -= file.size;
  }
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export async function writeCacheFile(file: string, text: string, maxBytes: number): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
  await trimDirectory(dir, maxBytes);
}

export async function readCacheFile(file: string): Promise<string | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined);
    return text;
  } catch {
    return undefined;
  }
}

/**
 * OpenAPI v3 documents by their server-relative URL. Only URLs carrying the server's content hash
 * (`?hash=`, as /openapi/v3 lists them) are stored: such a document never changes, so a stored
 * one needs no revalidation, and a changed schema arrives under a new URL.
 */
export class OpenApiDiskCache {
  constructor(private readonly dir: string, private readonly server: string, private readonly maxBytes = defaultDiskCacheMaxBytes) {}

  private file(url: string): string | undefined {
    if (!/[?&]hash=[^&]+/.test(url)) return undefined;
    return path.join(this.dir, `${createHash('sha256').update(`${this.server}\n${url}`).digest('hex').slice(0, 32)}.json`);
  }

  async get(url: string): Promise<Record<string, unknown> | undefined> {
    const file = this.file(url);
    const text = file && await readCacheFile(file);
    if (!text) return undefined;
    try {
      const doc = JSON.parse(text) as unknown;
      return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  async set(url: string, doc: Record<string, unknown>): Promise<void> {
    const file = this.file(url);
    if (!file) return;
    const text = JSON.stringify(doc);
    // One document larger than the whole budget would only evict everything else.
    if (Buffer.byteLength(text) > this.maxBytes) return;
    await writeCacheFile(file, text, this.maxBytes).catch(() => undefined);
  }
}
