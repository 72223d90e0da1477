import { DriftlessError } from '../../core/errors.ts';

/** How long a client should wait after the database was busy. */
export const busyRetryAfterMs = 1000;

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * SQLite's own errors as STATE_UNAVAILABLE: busy or locked (another process holds the write
 * lock past the short busy timeout) is transient and says when to retry; anything else
 * (corrupt, read-only, disk full) needs a person. Other errors pass through unchanged.
 */
export function translateSqliteError(err: unknown, file: string): unknown {
  const code = sqliteCode(err);
  if (!code) return err;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new DriftlessError('STATE_UNAVAILABLE', `state database ${file} is locked by another connection; retry shortly`, { transient: true, retryAfterMs: busyRetryAfterMs, sqlite: code }, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  const damaged = code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
  const hint = damaged ? '; restore it from a backup, or move it aside to start with an empty history' : '';
  return new DriftlessError('STATE_UNAVAILABLE', `state database ${file}: ${code}: ${message}${hint}`, { sqlite: code }, { cause: err });
}
