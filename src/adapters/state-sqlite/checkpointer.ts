import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints the WAL from a worker thread with its own connection. better-sqlite3 is
 * synchronous, and a checkpoint is the one step that fsyncs (synchronous=NORMAL): run inline,
 * it would stall every webhook ack for tens of milliseconds. PASSIVE never blocks the writer.
 * Often (every 100 ms), because on ext4 the writer still stalls while a checkpoint's fsync
 * runs, for as long as that fsync takes, which grows with the WAL written since the last one:
 * measured on the 2-core bench machine, the longest single write was ~155 ms at a 1 s interval,
 * ~50 ms at 250 ms, ~19 ms at 100 ms, ~13 ms at 50 ms.
 */
const source = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs = 100): Checkpointer {
  const require = createRequire(import.meta.url);
  const worker = new Worker(source, { eval: true, workerData: { module: require.resolve('better-sqlite3'), file, intervalMs } });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', () => {});
  return {
    async stop() {
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
