import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { AppStatusRecord, DeliveryClaim, DeliveryRecord, DriftRecord, Lease, NotificationRecord, Pin, PruneCounts, RetentionPolicy, StateStore, StoreHealth, SyncRecord } from '../../ports/state.ts';
import { mergeStatus } from '../state-memory/memory-state.ts';
import { startCheckpointer, type Checkpointer } from './checkpointer.ts';
import { GroupCommit } from './group-commit.ts';
import { migrate, prepareRetention, prepareStatements, type RetentionStatements, type Statements } from './schema.ts';
import { translateSqliteError } from './errors.ts';
import { checkDatabaseFile } from './health.ts';

/**
 * How long a statement waits for another connection's lock before SQLITE_BUSY. better-sqlite3 is
 * synchronous, so this is how long the event loop can stall: short, and a busy store answers 503.
 */
export const busyTimeoutMs = 200;

/** Rows deleted per retention statement, so pruning a large backlog never stalls the loop for long. */
const pruneChunk = 500;

export const stateFileName = 'state.db';

interface Row { [column: string]: string | number | null }

/**
 * StateStore on SQLite (better-sqlite3) in a data directory: WAL so readers never block the
 * writer, synchronous=NORMAL (durable across process crashes; WAL keeps it consistent).
 */
export class SqliteStateStore implements StateStore {
  readonly file: string;
  private readonly db: SqliteDatabase;
  private readonly stmts: Statements;
  private readonly retention: RetentionStatements;

  private readonly checkpointer: Checkpointer | undefined;
  private readonly commit: GroupCommit;
  /** Records written but not yet committed, by id: reads of one record need not force a commit. */
  private readonly pendingDeliveries = new Map<string, DeliveryRecord>();
  private readonly pendingSyncs = new Map<string, string>();
  /**
   * App status, pins and render dependencies in memory, written through: the webhook handler
   * routes every delivery against all apps, and these tables are one row per app. This process
   * is the database's only writer (serve owns its data directory).
   */
  private readonly statuses = new Map<string, AppStatusRecord>();
  private readonly pins = new Map<string, Pin>();
  private readonly dependencies = new Map<string, string[]>();

  private healthCache: { at: number; value: Promise<StoreHealth> } | undefined;

  constructor(dataDir: string, options: { backgroundCheckpoints?: boolean } = {}) {
    // Deliveries and sync records name repositories, commits and people: owner-only, like a key file.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = path.join(dataDir, stateFileName);
    // SQLite creates the -wal and -shm files with the database file's mode.
    closeSync(openSync(this.file, 'a', 0o600));
    // Files written by an earlier version (or another umask) are tightened too.
    for (const file of [this.file, `${this.file}-wal`, `${this.file}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
    try {
      this.db = new Database(this.file);
      this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    } catch (err) {
      throw translateSqliteError(err, this.file);
    }
    const background = options.backgroundCheckpoints ?? true;
    // In the background by default (see checkpointer.ts); the inline auto-checkpoint stays as a
    // safety net should the worker stop, at a size it never reaches while the worker runs.
    this.db.pragma(`wal_autocheckpoint = ${background ? 10_000 : 1000}`);
    try {
      migrate(this.db);
    } catch (err) {
      throw translateSqliteError(err, this.file);
    }
    this.checkpointer = background ? startCheckpointer(this.file) : undefined;
    this.stmts = prepareStatements(this.db);
    this.retention = prepareRetention(this.db, pruneChunk);
    this.commit = new GroupCommit(this.db, this.file, () => {
      this.pendingDeliveries.clear();
      this.pendingSyncs.clear();
    });
    for (const row of this.stmts.listStatus.all() as Row[]) {
      const status = JSON.parse(String(row.data)) as AppStatusRecord;
      delete status.pin;
      this.statuses.set(status.app, status);
    }
    for (const row of this.stmts.listPins.all() as Row[]) {
      this.pins.set(String(row.app), { revision: String(row.revision), by: String(row.by_actor), at: String(row.at) });
    }
    for (const row of this.stmts.listDeps.all() as Row[]) this.dependencies.set(String(row.app), JSON.parse(String(row.paths)) as string[]);
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const pending = this.pendingDeliveries.get(id);
    if (pending) return structuredClone(pending);
    const row = this.read(() => this.stmts.getDelivery.get(id) as Row | undefined);
    if (!row) return undefined;
    return {
      id: String(row.id), event: String(row.event), state: String(row.state) as DeliveryRecord['state'],
      apps: JSON.parse(String(row.apps)) as string[], receivedAt: String(row.received_at), updatedAt: String(row.updated_at),
      ...(row.claimed_until === null || row.claimed_until === undefined ? {} : { claimedUntil: String(row.claimed_until) }),
    };
  }

  async putDelivery(record: DeliveryRecord): Promise<void> {
    const params = { ...record, apps: JSON.stringify(record.apps), claimedUntil: record.claimedUntil ?? null };
    this.pendingDeliveries.set(record.id, structuredClone(record));
    return this.commit.write(() => this.stmts.putDelivery.run(params));
  }

  /** One conditional upsert, outside the group commit: its outcome is known when it returns. */
  async claimDelivery(record: DeliveryRecord, claim: { now: string; claimedUntil: string }): Promise<DeliveryClaim> {
    this.commit.flush();
    const params = { ...record, apps: JSON.stringify(record.apps), claimedUntil: claim.claimedUntil, now: claim.now };
    const { changes } = this.read(() => this.stmts.claimDelivery.run(params));
    const stored = await this.getDelivery(record.id);
    if (!stored) throw new Error(`delivery ${record.id} vanished while being claimed`);
    return { claimed: changes === 1, record: stored };
  }

  async acquireLease(name: string, holder: string, times: { now: string; expiresAt: string }): Promise<boolean> {
    this.commit.flush();
    return this.read(() => this.stmts.acquireLease.run({ name, holder, ...times })).changes === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.commit.flush();
    this.read(() => this.stmts.releaseLease.run(name, holder));
  }

  async getLease(name: string): Promise<Lease | undefined> {
    this.commit.flush();
    const row = this.read(() => this.stmts.getLease.get(name) as Row | undefined);
    return row && { name: String(row.name), holder: String(row.holder), expiresAt: String(row.expires_at) };
  }

  async getAppStatus(app: string): Promise<AppStatusRecord | undefined> {
    const status = this.statuses.get(app);
    const pin = this.pins.get(app);
    if (!status && !pin) return undefined;
    return withPin(status ?? blank(app), pin);
  }

  async listAppStatus(): Promise<AppStatusRecord[]> {
    const apps = new Set([...this.statuses.keys(), ...this.pins.keys()]);
    return [...apps].sort((a, b) => a.localeCompare(b)).map((app) => withPin(this.statuses.get(app) ?? blank(app), this.pins.get(app)));
  }

  async updateAppStatus(app: string, patch: Partial<Omit<AppStatusRecord, 'app'>>): Promise<AppStatusRecord> {
    const { pin, ...rest } = patch;
    const hasPin = 'pin' in patch;
    const next = structuredClone(mergeStatus(this.statuses.get(app) ?? blank(app), rest));
    delete next.pin;
    const data = JSON.stringify(next);
    // The cache changes with the write, in the same turn, so a read right after sees it; the
    // promise settles only once the write is committed.
    this.statuses.set(app, next);
    if (hasPin) this.cachePin(app, pin);
    await this.commit.write(() => {
      if (hasPin) this.writePin(app, pin);
      this.stmts.putStatus.run(app, data);
    });
    return withPin(next, this.pins.get(app));
  }

  async setPin(app: string, pin: Pin | undefined): Promise<void> {
    this.cachePin(app, pin);
    return this.commit.write(() => this.writePin(app, pin));
  }

  async putSync(record: SyncRecord): Promise<void> {
    const data = JSON.stringify(record);
    const params = { id: record.id, app: record.app, state: record.state, queuedAt: record.queuedAt, data };
    this.pendingSyncs.set(record.id, data);
    return this.commit.write(() => this.stmts.putSync.run(params));
  }

  async getSync(id: string): Promise<SyncRecord | undefined> {
    const data = this.pendingSyncs.get(id) ?? this.read(() => this.stmts.getSync.get(id) as Row | undefined)?.data;
    return data === undefined || data === null ? undefined : (JSON.parse(String(data)) as SyncRecord);
  }

  async listSyncs(filter: { app?: string; limit?: number } = {}): Promise<SyncRecord[]> {
    this.commit.flush();
    const limit = filter.limit ?? 100;
    const rows = this.read(() => (filter.app === undefined ? this.stmts.listSyncs.all(limit) : this.stmts.listAppSyncs.all(filter.app, limit)) as Row[]);
    return rows.map((row) => JSON.parse(String(row.data)) as SyncRecord);
  }

  async getRenderDependencies(app: string): Promise<string[] | undefined> {
    const paths = this.dependencies.get(app);
    return paths ? [...paths] : undefined;
  }

  async setRenderDependencies(app: string, paths: string[]): Promise<void> {
    const sorted = [...new Set(paths)].sort();
    this.dependencies.set(app, sorted);
    const params = [app, JSON.stringify(sorted), new Date().toISOString()];
    return this.commit.write(() => this.stmts.putDeps.run(...params));
  }

  async listRenderDependencies(): Promise<Map<string, string[]>> {
    return new Map([...this.dependencies].map(([app, paths]) => [app, [...paths]]));
  }

  async putDriftReport(record: DriftRecord): Promise<void> {
    const params = [record.app, record.checkedAt, JSON.stringify(record)];
    return this.commit.write(() => this.stmts.putDrift.run(...params));
  }

  async listDriftReports(app: string, limit = 20): Promise<DriftRecord[]> {
    this.commit.flush();
    const rows = this.read(() => this.stmts.listDrift.all(app, limit) as Row[]);
    return rows.map((row) => JSON.parse(String(row.data)) as DriftRecord);
  }

  async latestDriftReports(): Promise<DriftRecord[]> {
    this.commit.flush();
    const rows = this.read(() => this.stmts.latestDrift.all() as Row[]);
    return rows.map((row) => JSON.parse(String(row.data)) as DriftRecord);
  }

  async putNotification(record: NotificationRecord): Promise<void> {
    const params = [record.id, record.app, record.at, JSON.stringify(record)];
    return this.commit.write(() => this.stmts.putNotification.run(...params));
  }

  async listNotifications(filter: { app?: string; limit?: number } = {}): Promise<NotificationRecord[]> {
    this.commit.flush();
    const limit = filter.limit ?? 50;
    const rows = this.read(() => (filter.app === undefined ? this.stmts.listNotifications.all(limit) : this.stmts.listAppNotifications.all(filter.app, limit)) as Row[]);
    return rows.map((row) => JSON.parse(String(row.data)) as NotificationRecord);
  }

  async prune(policy: RetentionPolicy): Promise<PruneCounts> {
    this.commit.flush();
    const { syncs, deliveries, driftReports, notifications } = this.retention;
    const drain = async (statement: Statement, params: Record<string, string | number>): Promise<number> => {
      let total = 0;
      for (;;) {
        const { changes } = this.read(() => statement.run(params));
        total += changes;
        if (changes < pruneChunk) return total;
        // Let requests in between chunks.
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    // Notification deliveries follow the webhook deliveries' bounds (not counted separately).
    await drain(notifications, { max: policy.maxDeliveries, olderThan: policy.olderThan });
    return {
      syncs: await drain(syncs, { max: policy.maxSyncsPerApp, olderThan: policy.olderThan }),
      deliveries: await drain(deliveries, { max: policy.maxDeliveries, olderThan: policy.olderThan }),
      driftReports: await drain(driftReports, { max: policy.maxDriftReportsPerApp, olderThan: policy.olderThan }),
    };
  }

  /**
   * Locked: can this connection take the write lock within the busy timeout? Corrupt: does a
   * fresh connection read every page (off the main thread, at most once per 5 s: /healthz is public)?
   */
  async health(): Promise<StoreHealth> {
    if (!this.db.open) return { ok: false, reason: 'state database is closed' };
    try {
      this.commit.flush();
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
    } catch (err) {
      const translated = translateSqliteError(err, this.file);
      return { ok: false, reason: translated instanceof Error ? translated.message : String(translated) };
    }
    const now = Date.now();
    if (!this.healthCache || now - this.healthCache.at > 5000) {
      this.healthCache = { at: now, value: checkDatabaseFile(this.file).then((h) => (h.ok ? h : { ok: false, reason: `state database ${this.file}: ${h.reason}` })) };
    }
    return this.healthCache.value;
  }

  async close(): Promise<void> {
    if (this.db.open) this.commit.flush();
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }

  /** Transactions committed (group commits), for benchmarks. */
  get commits(): number {
    return this.commit.commits;
  }

  private read<T>(run: () => T): T {
    try {
      return run();
    } catch (err) {
      throw translateSqliteError(err, this.file);
    }
  }

  private cachePin(app: string, pin: Pin | undefined): void {
    if (pin) this.pins.set(app, { ...pin });
    else this.pins.delete(app);
  }

  private writePin(app: string, pin: Pin | undefined): void {
    if (pin) this.stmts.putPin.run(app, pin.revision, pin.by, pin.at);
    else this.stmts.deletePin.run(app);
  }
}

function blank(app: string): AppStatusRecord {
  return { app, status: 'Never', sourceMissing: false };
}

/** A copy the caller may change: cached records never leak out. */
function withPin(status: AppStatusRecord, pin: Pin | undefined): AppStatusRecord {
  const out = structuredClone(status);
  delete out.pin;
  if (pin) out.pin = { ...pin };
  return out;
}
