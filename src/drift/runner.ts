import type { AppConfig } from '../config/types.ts';
import { isDriftlessError } from '../core/errors.ts';
import { mapLimit } from '../core/limit.ts';
import type { DriftReport } from '../core/types.ts';
import { createDriftRunCache, type DriftRunCache } from './run-cache.ts';

/**
 * One drift run: check every app with at most `concurrency` checks in flight, hand each report
 * on as it arrives. Shared by the `serve` timer and the scheduled Lambda function, so it knows
 * nothing of timers or HTTP: the caller decides when to run and what to do with a report.
 *
 * A check that throws becomes an `Unknown` report naming the error, and a failing `onReport` is
 * only logged: one app never hides the others.
 */

/** What one run shares between its apps' checks (pass it on as `checkAppDrift`'s `cache`). */
export interface DriftRunContext {
  cache: DriftRunCache;
}

export type DriftCheck = (app: AppConfig, run: DriftRunContext) => Promise<DriftReport>;

export interface DriftRunnerOptions {
  /** The apps to check, read at the start of each run. */
  apps: () => readonly AppConfig[];
  /** The drift check of one app (src/drift/check.ts `checkAppDrift`, bound to its deps). */
  check: DriftCheck;
  /** Apps checked at the same time (default 4). */
  concurrency?: number;
  /** Stores the report, heals, notifies: awaited before the app's slot is given to the next app. */
  onReport?: (report: DriftReport, app: AppConfig) => Promise<void>;
  /** A report could not be handled (the run goes on). */
  onError?: (app: string, err: unknown) => void;
  now?: () => Date;
}

export interface DriftRun {
  startedAt: string;
  finishedAt: string;
  reports: DriftReport[];
}

export interface DriftRunner {
  /** Runs every app once; a call while a run is in flight joins that run instead of starting another. */
  run(): Promise<DriftRun>;
  readonly running: boolean;
}

/** An Unknown report for a check that threw: the reason says what failed, never a secret (errors name references only). */
export function unknownReport(app: string, err: unknown, checkedAt: string): DriftReport {
  const reason = isDriftlessError(err)
    ? { code: err.code, message: err.message }
    : { code: 'INTERNAL', message: 'the drift check failed unexpectedly; see the server log' };
  return { app, status: 'Unknown', reason, checkedAt, objects: [] };
}

export function createDriftRunner(options: DriftRunnerOptions): DriftRunner {
  const now = options.now ?? (() => new Date());
  const limit = Math.max(1, options.concurrency ?? 4);
  let inFlight: Promise<DriftRun> | undefined;

  async function checkOne(app: AppConfig, run: DriftRunContext): Promise<DriftReport> {
    let report: DriftReport;
    try {
      report = await options.check(app, run);
    } catch (err) {
      options.onError?.(app.name, err);
      report = unknownReport(app.name, err, now().toISOString());
    }
    try {
      await options.onReport?.(report, app);
    } catch (err) {
      options.onError?.(app.name, err);
    }
    return report;
  }

  async function runAll(): Promise<DriftRun> {
    const startedAt = now().toISOString();
    const run: DriftRunContext = { cache: createDriftRunCache() };
    const reports = await mapLimit(options.apps(), limit, (app) => checkOne(app, run));
    return { startedAt, finishedAt: now().toISOString(), reports };
  }

  return {
    run() {
      inFlight ??= runAll().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    get running() {
      return inFlight !== undefined;
    },
  };
}
