import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';

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
  // Retention deletes the oldest deliveries first.
  'CREATE INDEX deliveries_received ON deliveries (received_at);',
  // Drift reports: an append-only history per app (GET /apps/{app}/drift); the newest per app is GET /drift.
  `CREATE TABLE drift_reports (seq INTEGER PRIMARY KEY AUTOINCREMENT, app TEXT NOT NULL, checked_at TEXT NOT NULL, data TEXT NOT NULL);
   CREATE INDEX drift_reports_app ON drift_reports (app, seq);`,
  // Notification deliveries (GET /notifications), newest first by seq.
  `CREATE TABLE notifications (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, app TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL);
   CREATE INDEX notifications_app ON notifications (app, seq);`,
  // Delivery claims and leases (issue 13): expiry is compared in the write itself.
  `ALTER TABLE deliveries ADD COLUMN claimed_until TEXT;
   CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at TEXT NOT NULL);`,
];

/** Brings the database to the newest schema; refuses one written by a newer driftless. */
export function migrate(db: SqliteDatabase): void {
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

/** Every statement the store runs more than once, prepared once per connection. */
export function prepareStatements(db: SqliteDatabase) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    getDelivery: p('SELECT * FROM deliveries WHERE id = ?'),
    putDelivery: p(`INSERT INTO deliveries (id, event, state, apps, received_at, updated_at, claimed_until) VALUES (@id, @event, @state, @apps, @receivedAt, @updatedAt, @claimedUntil)
      ON CONFLICT(id) DO UPDATE SET event = excluded.event, state = excluded.state, apps = excluded.apps, updated_at = excluded.updated_at, claimed_until = excluded.claimed_until`),
    claimDelivery: p(`INSERT INTO deliveries (id, event, state, apps, received_at, updated_at, claimed_until) VALUES (@id, @event, 'received', @apps, @receivedAt, @updatedAt, @claimedUntil)
      ON CONFLICT(id) DO UPDATE SET event = excluded.event, state = 'received', apps = excluded.apps, updated_at = excluded.updated_at, claimed_until = excluded.claimed_until
      WHERE deliveries.state = 'received' AND (deliveries.claimed_until IS NULL OR deliveries.claimed_until <= @now)`),
    acquireLease: p(`INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @expiresAt)
      ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE leases.holder = excluded.holder OR leases.expires_at <= @now`),
    releaseLease: p('DELETE FROM leases WHERE name = ? AND holder = ?'),
    getLease: p('SELECT * FROM leases WHERE name = ?'),
    listStatus: p('SELECT data FROM app_status ORDER BY app'),
    putStatus: p('INSERT INTO app_status (app, data) VALUES (?, ?) ON CONFLICT(app) DO UPDATE SET data = excluded.data'),
    listPins: p('SELECT * FROM pins'),
    putPin: p('INSERT INTO pins (app, revision, by_actor, at) VALUES (?, ?, ?, ?) ON CONFLICT(app) DO UPDATE SET revision = excluded.revision, by_actor = excluded.by_actor, at = excluded.at'),
    deletePin: p('DELETE FROM pins WHERE app = ?'),
    putSync: p(`INSERT INTO syncs (id, app, state, queued_at, data) VALUES (@id, @app, @state, @queuedAt, @data)
      ON CONFLICT(id) DO UPDATE SET state = excluded.state, data = excluded.data`),
    getSync: p('SELECT data FROM syncs WHERE id = ?'),
    listSyncs: p('SELECT data FROM syncs ORDER BY seq DESC LIMIT ?'),
    listAppSyncs: p('SELECT data FROM syncs WHERE app = ? ORDER BY seq DESC LIMIT ?'),
    listDeps: p('SELECT app, paths FROM render_dependencies'),
    putDrift: p('INSERT INTO drift_reports (app, checked_at, data) VALUES (?, ?, ?)'),
    listDrift: p('SELECT data FROM drift_reports WHERE app = ? ORDER BY seq DESC LIMIT ?'),
    latestDrift: p('SELECT data FROM drift_reports WHERE seq IN (SELECT MAX(seq) FROM drift_reports GROUP BY app) ORDER BY app'),
    putNotification: p('INSERT INTO notifications (id, app, at, data) VALUES (?, ?, ?, ?)'),
    listNotifications: p('SELECT data FROM notifications ORDER BY seq DESC LIMIT ?'),
    listAppNotifications: p('SELECT data FROM notifications WHERE app = ? ORDER BY seq DESC LIMIT ?'),
    putDeps: p('INSERT INTO render_dependencies (app, paths, updated_at) VALUES (?, ?, ?) ON CONFLICT(app) DO UPDATE SET paths = excluded.paths, updated_at = excluded.updated_at'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/**
 * Retention: each statement deletes at most `chunk` rows past its bounds (@max newest kept,
 * nothing older than @olderThan), so the store can drain a backlog a chunk at a time.
 */
export function prepareRetention(db: SqliteDatabase, chunk: number) {
  const finished = "state NOT IN ('queued', 'running')";
  return {
    syncs: db.prepare(`DELETE FROM syncs WHERE seq IN (
      SELECT seq FROM (SELECT seq, queued_at, ROW_NUMBER() OVER (PARTITION BY app ORDER BY seq DESC) AS n FROM syncs WHERE ${finished})
      WHERE n > @max OR queued_at < @olderThan LIMIT ${chunk})`),
    deliveries: db.prepare(`DELETE FROM deliveries WHERE id IN (
      SELECT id FROM (SELECT id, updated_at, ROW_NUMBER() OVER (ORDER BY received_at DESC) AS n FROM deliveries)
      WHERE n > @max OR updated_at < @olderThan LIMIT ${chunk})`),
    // Each app's newest report stays whatever its age: it is the app's current drift state.
    driftReports: db.prepare(`DELETE FROM drift_reports WHERE seq IN (
      SELECT seq FROM (SELECT seq, checked_at, ROW_NUMBER() OVER (PARTITION BY app ORDER BY seq DESC) AS n FROM drift_reports)
      WHERE n > 1 AND (n > @max OR checked_at < @olderThan) LIMIT ${chunk})`),
    notifications: db.prepare(`DELETE FROM notifications WHERE seq IN (
      SELECT seq FROM (SELECT seq, at, ROW_NUMBER() OVER (ORDER BY seq DESC) AS n FROM notifications)
      WHERE n > @max OR at < @olderThan LIMIT ${chunk})`),
  };
}

export type RetentionStatements = ReturnType<typeof prepareRetention>;
