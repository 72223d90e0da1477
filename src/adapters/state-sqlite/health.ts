import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { StoreHealth } from '../../ports/state.ts';

/**
 * Reads the whole database through a fresh read-only connection (the serving connection's page
 * cache would hide a file damaged underneath it), in a worker thread: quick_check visits every
 * page, which must not stall the event loop.
 */
const source = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
let reason;
try {
  const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 200');
    const rows = db.pragma('quick_check(1)');
    const first = rows[0] && rows[0].quick_check;
    if (first !== 'ok') reason = 'integrity check failed: ' + String(first);
  } finally {
    db.close();
  }
} catch (err) {
  reason = (err && err.code ? err.code + ': ' : '') + (err && err.message ? err.message : String(err));
}
parentPort.postMessage(reason === undefined ? { ok: true } : { ok: false, reason });
`;

export function checkDatabaseFile(file: string, timeoutMs = 10_000): Promise<StoreHealth> {
  const require = createRequire(import.meta.url);
  return new Promise((resolve) => {
    const worker = new Worker(source, { eval: true, workerData: { module: require.resolve('better-sqlite3'), file } });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve({ ok: false, reason: `integrity check did not finish within ${timeoutMs} ms` });
    }, timeoutMs);
    worker.once('message', (health: StoreHealth) => {
      clearTimeout(timer);
      resolve(health);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: err.message });
    });
  });
}
