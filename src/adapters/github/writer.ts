import { nextAttempt, sleep as realSleep, type RetryPolicy } from '../../core/retry.ts';
import { classifyGitHubError } from './errors.ts';

export interface WriteJob<T> {
  /** For logs and errors: "status driftless/web@abc1234". */
  label: string;
  /** Jobs with the same key describe the same thing (a commit status for one sha+context). */
  key?: string;
  /** A queued supersedable job is dropped when a later job with the same key is queued. */
  supersedable?: boolean;
  run: () => Promise<T>;
}

export interface ThrottledWriter {
  /** Queues a write; resolves with its result, or undefined when a later write superseded it. */
  write<T>(job: WriteJob<T>): Promise<T | undefined>;
  /** Resolves once everything queued so far has been written or dropped. */
  idle(): Promise<void>;
  readonly queued: number;
  stats(): { written: number; dropped: number; retried: number };
}

export interface ThrottledWriterOptions {
  /** GitHub's secondary limit is about 80 content-creating requests a minute per identity. */
  writesPerWindow?: number;
  windowMs?: number;
  /** Retries of one write after rate limits or 5xx (default 5). */
  retries?: number;
  /** Longest rate-limit pause to honour (default 15 min); longer fails the write. */
  maxPauseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

interface Entry {
  job: WriteJob<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Every write to GitHub goes through one of these: serial, at most `writesPerWindow` writes in any
 * `windowMs`, pausing the whole queue when GitHub signals a rate limit (retry-after / reset).
 */
export function createThrottledWriter(options: ThrottledWriterOptions = {}): ThrottledWriter {
  const perWindow = options.writesPerWindow ?? 80;
  const windowMs = options.windowMs ?? 60_000;
  const retries = options.retries ?? 5;
  const maxPauseMs = options.maxPauseMs ?? 15 * 60_000;
  const policy: RetryPolicy = { attempts: retries + 1, baseMs: 250, maxMs: 30_000, maxWaitMs: maxPauseMs };
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const queue: Entry[] = [];
  const started: number[] = [];
  const idleWaiters: Array<() => void> = [];
  const counters = { written: 0, dropped: 0, retried: 0 };
  let pauseUntil = 0;
  let running = false;

  async function slot(): Promise<void> {
    for (;;) {
      const t = now();
      while (started.length > 0 && started[0]! <= t - windowMs) started.shift();
      const waitWindow = started.length >= perWindow ? started[0]! + windowMs - t : 0;
      const wait = Math.max(waitWindow, pauseUntil - t);
      if (wait <= 0) break;
      await sleep(wait);
    }
    started.push(now());
  }

  async function execute(entry: Entry): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await slot();
      try {
        entry.resolve(await entry.job.run());
        counters.written++;
        return;
      } catch (err) {
        const next = nextAttempt(classifyGitHubError(err, now()), attempt, policy);
        if (!next.retry) {
          entry.reject(err);
          return;
        }
        counters.retried++;
        // A rate limit pauses every queued write, not just this one: they share the identity's budget.
        pauseUntil = Math.max(pauseUntil, now() + next.delayMs);
      }
    }
  }

  async function pump(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (let entry = queue.shift(); entry; entry = queue.shift()) await execute(entry);
    } finally {
      running = false;
      for (const wake of idleWaiters.splice(0)) wake();
    }
  }

  return {
    write<T>(job: WriteJob<T>): Promise<T | undefined> {
      if (job.key !== undefined) {
        for (let i = queue.length - 1; i >= 0; i--) {
          const queuedEntry = queue[i]!;
          if (queuedEntry.job.key === job.key && queuedEntry.job.supersedable) {
            queue.splice(i, 1);
            counters.dropped++;
            queuedEntry.resolve(undefined);
          }
        }
      }
      const promise = new Promise<T | undefined>((resolve, reject) => {
        queue.push({ job: job as WriteJob<unknown>, resolve: resolve as (value: unknown) => void, reject });
      });
      void pump();
      return promise;
    },
    idle: () => (running || queue.length > 0 ? new Promise<void>((resolve) => idleWaiters.push(resolve)) : Promise.resolve()),
    get queued() {
      return queue.length;
    },
    stats: () => ({ ...counters }),
  };
}
