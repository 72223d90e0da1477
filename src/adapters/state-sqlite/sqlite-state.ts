import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { AppStatusRecord, DeliveryRecord, Pin, StateStore, SyncRecord } from '../../ports/state.ts';
import { mergeStatus } from '../state-memory/memory-state.ts';
import { startCheckpointer, type Checkpointer } from './checkpointer.ts';

/** Each entry upgrades the schema by one version (PRAGMA user_version); never edit a shipped one. */
const migrations: string[] = [
  `CREATE TABLE deliveries (id TEXT PRIMARY KEY, event TEXT NOT NULL, state TEXT NOT NULL, apps TEXT NOT NULL,
     received_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE TABLE app_status (app TEXT PRIMARY KEY, data TEXT NOT NULL);
   CREATE TABLE pins (app TEXT PRIMARY KEY, revision TEXT NOT NULL, by_actor TEXT NOT NULL, at TEXT NOT NULL);
   CREATE TABLE syncs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, app TEXT NOT NULL,
     state TEXT NOT NULL, queued_at TEXT NOT NULL, data TEXT NOT NULL);
   CREATE INDEX syncs_app ON syncs (app, seq);
   CREATE TABLE render_dependencies (app TEXT PRIMARY KEY, paths TEXT NOT NULL, updated_at TEXT NOT NULL);`,
];

export const stateFileName = 'state.db';

interface Row { [column: string]: string | number | null }

/**
 * StateStore on SQLite (better-sqlite3) in a data directory: WAL so readers never block the
 * writer, synchronous=NORMAL (durable across process crashes; WAL keeps it consistent).
 */
export class SqliteStateStore implements StateStore {
  readonly file: string;
  private readonly db: SqliteDatabase;
  private readonly stmts: Record<string, Statement>;

  private readonly checkpointer: Checkpointer | undefined;

  constructor(dataDir: string, options: { backgroundCheckpoints?: boolean } = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, stateFileName);
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    const background = options.backgroundCheckpoints ?? true;
    // In the background by default (see checkpointer.ts); the inline auto-checkpoint stays as a
    // safety net should the worker stop, at a size it never reaches while the worker runs.
    this.db.pragma(`wal_autocheckpoint = ${background ? 10_000 : 1000}`);
    migrate(this.db);
    this.checkpointer = background ? startCheckpointer(this.file) : undefined;
    const p = (sql: string): Statement => this.db.prepare(sql);
    this.stmts = {
      getDelivery: p('SELECT * FROM deliveries WHERE id = ?'),
      putDelivery: p(`INSERT INTO deliveries (id, event, state, apps, received_at, updated_at) VALUES (@id, @event, @state, @apps, @receivedAt, @updatedAt)
        ON CONFLICT(id) DO UPDATE SET event = excluded.event, state = excluded.state, apps = excluded.apps, updated_at = excluded.updated_at`),
      getStatus: p('SELECT data FROM app_status WHERE app = ?'),
      listStatus: p('SELECT data FROM app_status ORDER BY app'),
      putStatus: p('INSERT INTO app_status (app, data) VALUES (?, ?) ON CONFLICT(app) DO UPDATE SET data = excluded.data'),
      getPin: p('SELECT * FROM pins WHERE app = ?'),
      listPins: p('SELECT * FROM pins'),
      putPin: p('INSERT INTO pins (app, revision, by_actor, at) VALUES (?, ?, ?, ?) ON CONFLICT(app) DO UPDATE SET revision = excluded.revision, by_actor = excluded.by_actor, at = excluded.at'),
      deletePin: p('DELETE FROM pins WHERE app = ?'),
      putSync: p(`INSERT INTO syncs (id, app, state, queued_at, data) VALUES (@id, @app, @state, @queuedAt, @data)
        ON CONFLICT(id) DO UPDATE SET state = excluded.state, data = excluded.data`),
      getSync: p('SELECT data FROM syncs WHERE id = ?'),
      listSyncs: p('SELECT data FROM syncs ORDER BY seq DESC LIMIT ?'),
      listAppSyncs: p('SELECT data FROM syncs WHERE app = ? ORDER BY seq DESC LIMIT ?'),
      getDeps: p('SELECT paths FROM render_dependencies WHERE app = ?'),
      listDeps: p('SELECT app, paths FROM render_dependencies'),
      putDeps: p('INSERT INTO render_dependencies (app, paths, updated_at) VALUES (?, ?, ?) ON CONFLICT(app) DO UPDATE SET paths = excluded.paths, updated_at = excluded.updated_at'),
    };
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const row = this.stmts.getDelivery!.get(id) as Row | undefined;
    if (!row) return undefined;
    return {
      id: String(row.id), event: String(row.event), state: String(row.state) as DeliveryRecord['state'],
      apps: JSON.parse(String(row.apps)) as string[], receivedAt: String(row.received_at), updatedAt: String(row.updated_at),
    };
  }

  async putDelivery(record: DeliveryRecord): Promise<void> {
    this.stmts.putDelivery!.run({ ...record, apps: JSON.stringify(record.apps) });
  }

  async getAppStatus(app: string): Promise<AppStatusRecord | undefined> {
    const row = this.stmts.getStatus!.get(app) as Row | undefined;
    const pinRow = this.stmts.getPin!.get(app) as Row | undefined;
    if (!row && !pinRow) return undefined;
    return withPin(row ? (JSON.parse(String(row.data)) as AppStatusRecord) : blank(app), pinRow);
  }

  async listAppStatus(): Promise<AppStatusRecord[]> {
    const pins = new Map((this.stmts.listPins!.all() as Row[]).map((row) => [String(row.app), row]));
    const out = (this.stmts.listStatus!.all() as Row[]).map((row) => JSON.parse(String(row.data)) as AppStatusRecord);
    for (const app of pins.keys()) if (!out.some((s) => s.app === app)) out.push(blank(app));
    return out.map((status) => withPin(status, pins.get(status.app))).sort((a, b) => a.app.localeCompare(b.app));
  }

  async updateAppStatus(app: string, patch: Partial<Omit<AppStatusRecord, 'app'>>): Promise<AppStatusRecord> {
    const { pin, ...rest } = patch;
    const run = this.db.transaction(() => {
      if ('pin' in patch) this.writePin(app, pin);
      const row = this.stmts.getStatus!.get(app) as Row | undefined;
      const current = row ? (JSON.parse(String(row.data)) as AppStatusRecord) : blank(app);
      const next = mergeStatus(current, rest);
      delete next.pin;
      this.stmts.putStatus!.run(app, JSON.stringify(next));
      return withPin(next, this.stmts.getPin!.get(app) as Row | undefined);
    });
    return run();
  }

  async setPin(app: string, pin: Pin | undefined): Promise<void> {
    this.writePin(app, pin);
  }

  async putSync(record: SyncRecord): Promise<void> {
    this.stmts.putSync!.run({ id: record.id, app: record.app, state: record.state, queuedAt: record.queuedAt, data: JSON.stringify(record) });
  }

  async getSync(id: string): Promise<SyncRecord | undefined> {
    const row = this.stmts.getSync!.get(id) as Row | undefined;
    return row ? (JSON.parse(String(row.data)) as SyncRecord) : undefined;
  }

  async listSyncs(filter: { app?: string; limit?: number } = {}): Promise<SyncRecord[]> {
    const limit = filter.limit ?? 100;
    const rows = (filter.app === undefined ? this.stmts.listSyncs!.all(limit) : this.stmts.listAppSyncs!.all(filter.app, limit)) as Row[];
    return rows.map((row) => JSON.parse(String(row.data)) as SyncRecord);
  }

  async getRenderDependencies(app: string): Promise<string[] | undefined> {
    const row = this.stmts.getDeps!.get(app) as Row | undefined;
    return row ? (JSON.parse(String(row.paths)) as string[]) : undefined;
  }

  async setRenderDependencies(app: string, paths: string[]): Promise<void> {
    this.stmts.putDeps!.run(app, JSON.stringify([...new Set(paths)].sort()), new Date().toISOString());
  }

  async listRenderDependencies(): Promise<Map<string, string[]>> {
    return new Map((this.stmts.listDeps!.all() as Row[]).map((row) => [String(row.app), JSON.parse(String(row.paths)) as string[]]));
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }

  private writePin(app: string, pin: Pin | undefined): void {
    if (pin) this.stmts.putPin!.run(app, pin.revision, pin.by, pin.at);
    else this.stmts.deletePin!.run(app);
  }
}

function blank(app: string): AppStatusRecord {
  return { app, status: 'Never', sourceMissing: false };
}

function withPin(status: AppStatusRecord, row: Row | undefined): AppStatusRecord {
  const out = { ...status };
  delete out.pin;
  if (row) out.pin = { revision: String(row.revision), by: String(row.by_actor), at: String(row.at) };
  return out;
}

function migrate(db: SqliteDatabase): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > migrations.length) {
    throw new Error(`state database schema version ${version} is newer than this driftless (${migrations.length}); upgrade driftless`);
  }
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** Opens the store in `dataDir` (default ./.driftless). */
export function openSqliteStateStore(dataDir = '.driftless'): SqliteStateStore {
  return new SqliteStateStore(dataDir);
}
