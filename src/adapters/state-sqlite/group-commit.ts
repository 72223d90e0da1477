import type { Database as SqliteDatabase } from 'better-sqlite3';
import { isDriftlessError } from '../../core/errors.ts';
import { translateSqliteError } from './errors.ts';

interface PendingWrite { run: () => void; resolve: () => void; reject: (err: unknown) => void }

/**
 * Group commit: writes made in one turn of the event loop share one transaction, committed
 * before the loop polls again (setImmediate). One commit per turn instead of one per write
 * cuts the WAL volume several-fold (the same table and index pages are written once), and with
 * it the fsync work of each checkpoint, which is what stalls the writer on this file system.
 * Each write's promise settles only after its commit, so callers still see it durable.
 */
export class GroupCommit {
  /** Transactions committed, for benchmarks. */
  commits = 0;
  private readonly pending: PendingWrite[] = [];

  /** `onCommit` runs as a batch is taken, so pending-record caches stop answering for it. */
  constructor(private readonly db: SqliteDatabase, private readonly file: string, private readonly onCommit: () => void) {}

  write(run: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ run, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits pending writes now; reads call it first, so they see every earlier write. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    this.onCommit();
    this.commits++;
    try {
      this.db.transaction(() => {
        for (const w of batch) w.run();
      })();
    } catch (err) {
      const translated = translateSqliteError(err, this.file);
      if (isDriftlessError(translated) && translated.details.transient) {
        // Busy: retrying each write would wait out the busy timeout once per write.
        for (const w of batch) w.reject(translated);
        return;
      }
      // One bad write must not fail the others: retry them one by one, each in its own commit.
      for (const w of batch) {
        try {
          w.run();
          w.resolve();
        } catch (one) {
          w.reject(translateSqliteError(one, this.file));
        }
      }
      return;
    }
    for (const w of batch) w.resolve();
  }
}
