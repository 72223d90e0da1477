import { CommanderError } from 'commander';
import { isDriftlessError, type ErrorCode } from '../core/errors.ts';
import type { DriftReport, SyncResult } from '../core/types.ts';

/**
 * The CLI's one exit-code rule: 0 the work was done (or, for diff, nothing differs), 1 the work
 * failed (or diff found differences), 2 the config or the command line is wrong — something the
 * user fixes before trying again, as opposed to a failure retrying may cure. 3 only from drift:
 * some app could not be checked (Unknown) and none drifted.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, unknown: 3 } as const;

/** Error codes that mean "fix the config or the command line" rather than "the work failed". */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['CONFIG_INVALID', 'CONFIG_NOT_FOUND', 'APP_NOT_FOUND', 'BAD_REQUEST', 'SECRET_UNAVAILABLE', 'SECRET_NOT_FOUND', 'SECRET_ACCESS_DENIED', 'SECRET_INVALID', 'KUBECONFIG_REFUSED']);

export function isUsageCode(code: string): boolean {
  return USAGE_CODES.has(code as ErrorCode);
}

export interface ExitOptions {
  /**
   * The exit code of a failure that is not a config or usage error. diff passes 2: its 1 already
   * means "differences", so a diff that could not be computed must not look like one.
   */
  failed?: number;
}

/** The exit code for an error that stopped a command. */
export function exitCodeOf(err: unknown, options: ExitOptions = {}): number {
  // Commander throws on --help and --version too, with its own code 0.
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (isDriftlessError(err) && isUsageCode(err.code)) return EXIT.usage;
  return options.failed ?? EXIT.failed;
}

/** The exit code of a finished sync: 0 applied and healthy (or a dry run), otherwise by its errors. */
export function syncExitCode(result: SyncResult): number {
  if (result.status === 'Synced' || result.status === 'DryRun') return EXIT.ok;
  return result.errors.some((e) => isUsageCode(e.code)) ? EXIT.usage : EXIT.failed;
}

/** The exit code of a drift check: 1 when any app drifted, else 3 when any could not be checked, else 0. */
export function driftExitCode(reports: readonly Pick<DriftReport, 'status'>[]): number {
  if (reports.some((r) => r.status === 'OutOfSync')) return EXIT.failed;
  return reports.some((r) => r.status === 'Unknown') ? EXIT.unknown : EXIT.ok;
}

/** Prints what stopped a command on stderr (never a stack trace unless DRIFTLESS_DEBUG) and returns its exit code. */
export function reportError(err: unknown, options: ExitOptions = {}): number {
  if (err instanceof CommanderError) return exitCodeOf(err, options);
  if (isDriftlessError(err)) {
    process.stderr.write(`driftless: ${err.message} [${err.code}]\n`);
  } else {
    const debug = Boolean(process.env.DRIFTLESS_DEBUG);
    const detail = err instanceof Error ? (debug ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`driftless: unexpected error: ${detail}${debug ? '' : ' (set DRIFTLESS_DEBUG=1 for details)'}\n`);
  }
  return exitCodeOf(err, options);
}

/**
 * Wraps a command's action: its return value (default 0) becomes the exit code, and whatever it
 * throws is reported and mapped by the rule above. Every command goes through this or through
 * main's catch, which applies the same rule.
 */
export function exiting<A extends unknown[]>(action: (...args: A) => Promise<number | void> | number | void, options: ExitOptions = {}): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await action(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (err) {
      process.exitCode = reportError(err, options);
    }
  };
}
