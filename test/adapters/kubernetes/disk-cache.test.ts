import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { createKubernetesCluster } from '../../../src/adapters/kubernetes/client.ts';
import { OpenApiDiskCache, readCacheFile, trimDirectory, writeCacheFile } from '../../../src/adapters/kubernetes/disk-cache.ts';
import { requests, resetRequests } from '../../e2e/sync-support.ts';

let dir: string;
let sb: Sandbox;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-diskcache-'));
  sb = await startSandbox({});
});
afterAll(async () => {
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('bounded on-disk caches', () => {
  it('trims a folder back under its byte budget, least recently used first (a read counts as use)', async () => {
    const folder = path.join(dir, 'trim');
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      await writeCacheFile(path.join(folder, name), 'x'.repeat(100), 10_000);
      utimesSync(path.join(folder, name), at(i), at(i));
    }
    // Reading "a" makes it the most recently used.
    expect(await readCacheFile(path.join(folder, 'a'))).toBe('x'.repeat(100));
    await trimDirectory(folder, 200);
    expect(readdirSync(folder).sort()).toEqual(['a', 'c']);
    await writeCacheFile(path.join(folder, 'd'), 'y'.repeat(150), 200);
    expect(readdirSync(folder)).toEqual(['d']);
  });

  it('stores only content-addressed OpenAPI URLs and reads a damaged file as a miss', async () => {
    const cache = new OpenApiDiskCache(path.join(dir, 'openapi'), 'https://k8s.example', 10_000);
    await cache.set('/openapi/v3/apis/apps/v1', { a: 1 });
    expect(readdirSync(dir)).not.toContain('openapi');
    await cache.set('/openapi/v3/apis/apps/v1?hash=ABC', { a: 1 });
    expect(await cache.get('/openapi/v3/apis/apps/v1?hash=ABC')).toEqual({ a: 1 });
    expect(await cache.get('/openapi/v3/apis/apps/v1?hash=DEF')).toBeUndefined();
    const [file] = readdirSync(path.join(dir, 'openapi'));
    writeFileSync(path.join(dir, 'openapi', file!), '{"a":');
    expect(await cache.get('/openapi/v3/apis/apps/v1?hash=ABC')).toBeUndefined();
    // Larger than the whole budget: not stored.
    await cache.set('/openapi/v3/api/v1?hash=X', { big: 'z'.repeat(20_000) });
    expect(await cache.get('/openapi/v3/api/v1?hash=X')).toBeUndefined();
  });

  it('a fresh client (a cold container) reads OpenAPI documents from disk and asks the server only for the index', async () => {
    const openApiCacheDir = path.join(dir, 'cluster-openapi');
    const first = createKubernetesCluster(sb.kubeconfig, { openApiCacheDir });
    const doc = await first.openApi('apps', 'v1');
    expect(readdirSync(openApiCacheDir)).toHaveLength(1);
    await resetRequests(sb);
    const cold = createKubernetesCluster(sb.kubeconfig, { openApiCacheDir });
    expect(await cold.openApi('apps', 'v1')).toEqual(doc);
    expect((await requests(sb)).total).toBe(1);
  });
});
