import { mkdtempSync, readFileSync, rmSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../../src/adapters/state-sqlite/sqlite-state.ts';
import { MemoryStateStore } from '../../../src/adapters/state-memory/memory-state.ts';
import type { DriftRecord, StateStore, SyncRecord } from '../../../src/ports/state.ts';
import { stateStoreContract } from '../../support/state-store-contract.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'driftless-state-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const sync = (id: string, app: string, state: SyncRecord['state'] = 'queued'): SyncRecord => ({
  id, app, trigger: { kind: 'manual', actor: 'token#1' }, dryRun: false, state, queuedAt: new Date().toISOString(),
});

const stores: Array<[string, () => StateStore]> = [
  ['memory', () => new MemoryStateStore()],
  ['sqlite', () => new SqliteStateStore(tempDir())],
];

for (const [name, make] of stores) stateStoreContract(name, make);

describe('SqliteStateStore', () => {
  it('persists everything across close and reopen, in WAL mode', async () => {
    const dir = tempDir();
    const first = new SqliteStateStore(dir);
    await first.putDelivery({ id: 'd1', event: 'push', state: 'queued', apps: ['web'], receivedAt: 't', updatedAt: 't' });
    await first.updateAppStatus('web', { status: 'Synced', lastSyncId: 's1' });
    await first.setPin('web', { revision: 'abc', by: 'alice', at: 't' });
    await first.putSync(sync('s1', 'web', 'succeeded'));
    await first.setRenderDependencies('web', ['base']);
    await first.close();

    expect(existsSync(path.join(dir, 'state.db'))).toBe(true);
    const second = new SqliteStateStore(dir);
    expect((await second.getDelivery('d1'))?.state).toBe('queued');
    expect(await second.getAppStatus('web')).toMatchObject({ status: 'Synced', lastSyncId: 's1', pin: { revision: 'abc' } });
    expect((await second.getSync('s1'))?.state).toBe('succeeded');
    expect(await second.getRenderDependencies('web')).toEqual(['base']);
    await second.close();

    const raw = new Database(path.join(dir, 'state.db'));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(5);
    raw.close();
  });

  it('commits the writes of one turn together, settling each write only once it is committed', async () => {
    const dir = tempDir();
    const store = new SqliteStateStore(dir);
    const raw = new Database(path.join(dir, 'state.db'), { readonly: true });
    const count = () => (raw.prepare('SELECT count(*) AS n FROM deliveries').get() as { n: number }).n;
    const before = store.commits;
    const writes = [1, 2, 3].map((i) => store.putDelivery({ id: `d${i}`, event: 'push', state: 'received', apps: [], receivedAt: 't', updatedAt: 't' }));
    // Not committed yet, but this store reads its own writes.
    expect(count()).toBe(0);
    expect((await store.getDelivery('d2'))?.state).toBe('received');
    await Promise.all(writes);
    expect(count()).toBe(3);
    expect(store.commits - before).toBe(1);
    raw.close();
    await store.close();
  });

  it('serves app status, pins and dependencies from memory without leaking its copies', async () => {
    const store = new SqliteStateStore(tempDir());
    await store.updateAppStatus('web', { status: 'Synced', revision: { ref: 'main', sha: 'a'.repeat(40) } });
    await store.setPin('web', { revision: 'abc', by: 'alice', at: 't' });
    await store.setRenderDependencies('web', ['b', 'a', 'a']);
    const status = await store.getAppStatus('web');
    status!.revision!.sha = 'changed';
    status!.pin!.revision = 'changed';
    (await store.listRenderDependencies()).get('web')!.push('changed');
    expect(await store.getAppStatus('web')).toMatchObject({ revision: { sha: 'a'.repeat(40) }, pin: { revision: 'abc' } });
    expect(await store.getRenderDependencies('web')).toEqual(['a', 'b']);
    await store.setPin('web', undefined);
    expect((await store.listAppStatus())[0]?.pin).toBeUndefined();
    await store.close();
  });

  it('refuses a database written by a newer schema', () => {
    const dir = tempDir();
    const raw = new Database(path.join(dir, 'state.db'));
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new SqliteStateStore(dir)).toThrow(/schema version 99/);
  });
});

const report = (app: string, day: number, status: DriftRecord['status'] = 'Synced'): DriftRecord => ({
  app, status, checkedAt: new Date(Date.UTC(2026, 0, day)).toISOString(), objects: [], revision: { ref: 'main', sha: 'a'.repeat(40) },
});

describe('SqliteStateStore drift migration', () => {
  it('upgrades a version 2 database in place, keeping its data', async () => {
    const dir = tempDir();
    const first = new SqliteStateStore(dir);
    await first.putSync(sync('s1', 'web', 'succeeded'));
    await first.updateAppStatus('web', { status: 'Synced' });
    await first.close();
    const raw = new Database(path.join(dir, 'state.db'));
    // Back to version 2: without drift reports (3), notifications (4), claims and leases (5).
    raw.exec('DROP TABLE drift_reports; DROP TABLE notifications; DROP TABLE leases; ALTER TABLE deliveries DROP COLUMN claimed_until');
    raw.pragma('user_version = 2');
    raw.close();

    const second = new SqliteStateStore(dir);
    expect((await second.getSync('s1'))?.state).toBe('succeeded');
    expect((await second.getAppStatus('web'))?.status).toBe('Synced');
    await second.putDriftReport(report('web', 1));
    await second.close();
    const third = new SqliteStateStore(dir);
    expect(await third.latestDriftReports()).toHaveLength(1);
    await third.close();
  });
});

describe('SqliteStateStore safety (issue 8)', () => {
  it('creates the data directory 0700 and the database files 0600', async () => {
    const dir = path.join(tempDir(), 'data');
    const store = new SqliteStateStore(dir);
    await store.putSync(sync('s1', 'a'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of ['state.db', 'state.db-wal', 'state.db-shm']) {
      expect(statSync(path.join(dir, name)).mode & 0o777, name).toBe(0o600);
    }
    await store.close();
  });

  it('a database locked by another connection fails fast as a transient STATE_UNAVAILABLE, and health says locked', async () => {
    const dir = tempDir();
    const store = new SqliteStateStore(dir, { backgroundCheckpoints: false });
    const other = new Database(path.join(dir, 'state.db'));
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const error = await store.putSync(sync('s1', 'a')).then(() => undefined, (err: unknown) => err);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toMatchObject({ code: 'STATE_UNAVAILABLE', details: { transient: true, retryAfterMs: expect.any(Number) } });
    expect((error as Error).message).toContain('locked');
    const health = await store.health();
    expect(health).toMatchObject({ ok: false, reason: expect.stringContaining('locked') });
    other.exec('ROLLBACK');
    other.close();
    expect(await store.health()).toEqual({ ok: true });
    await store.close();
  });

  it('health fails with the reason when the file is damaged underneath the open connection', async () => {
    const dir = tempDir();
    const store = new SqliteStateStore(dir, { backgroundCheckpoints: false });
    for (let i = 0; i < 50; i++) await store.putSync(sync(`s${i}`, 'a', 'succeeded'));
    expect(await store.health()).toEqual({ ok: true });
    await store.close();
    const reopened = new SqliteStateStore(dir, { backgroundCheckpoints: false });
    const file = path.join(dir, 'state.db');
    writeFileSync(file, Buffer.concat([readFileSync(file).subarray(0, 100), Buffer.alloc(statSync(file).size - 100, 0xab)]));
    const health = await reopened.health();
    expect(health.ok).toBe(false);
    expect(!health.ok && health.reason).toMatch(/state\.db: SQLITE_(NOTADB|CORRUPT)/);
    await reopened.close();
  });
});
