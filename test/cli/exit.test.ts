import { CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { driftExitCode, EXIT, exitCodeOf, exiting, syncExitCode } from '../../src/cli/exit.ts';
import { DriftlessError } from '../../src/core/errors.ts';
import type { SyncResult } from '../../src/core/types.ts';

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const result = (status: SyncResult['status'], codes: string[] = []): SyncResult => ({ status, errors: codes.map((code) => ({ code, message: code })) }) as unknown as SyncResult;

describe('the CLI exit-code rule', () => {
  it('maps config and usage errors to 2, every other failure to 1', () => {
    for (const code of ['CONFIG_INVALID', 'CONFIG_NOT_FOUND', 'APP_NOT_FOUND', 'BAD_REQUEST', 'SECRET_UNAVAILABLE'] as const) {
      expect(exitCodeOf(new DriftlessError(code, 'x'))).toBe(EXIT.usage);
    }
    for (const code of ['RENDER_FAILED', 'SOURCE_INVALID', 'SOURCE_UNAVAILABLE', 'CLUSTER_UNAVAILABLE', 'APPLY_FAILED'] as const) {
      expect(exitCodeOf(new DriftlessError(code, 'x'))).toBe(EXIT.failed);
    }
    expect(exitCodeOf(new Error('boom'))).toBe(EXIT.failed);
    expect(exitCodeOf(new CommanderError(1, 'commander.unknownCommand', 'unknown'))).toBe(EXIT.usage);
    expect(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', ''))).toBe(EXIT.ok);
  });

  it('drift: 1 when any app drifted, else 3 when any could not be checked, else 0; a check that could not run is 3, usage still 2', () => {
    expect(driftExitCode([{ status: 'Synced' }, { status: 'Synced' }])).toBe(EXIT.ok);
    expect(driftExitCode([])).toBe(EXIT.ok);
    expect(driftExitCode([{ status: 'Unknown' }, { status: 'OutOfSync' }])).toBe(EXIT.failed);
    expect(driftExitCode([{ status: 'Synced' }, { status: 'Unknown' }])).toBe(EXIT.unknown);
    expect(EXIT.unknown).toBe(3);
    expect(exitCodeOf(new Error('boom'), { failed: EXIT.unknown })).toBe(3);
    expect(exitCodeOf(new DriftlessError('CONFIG_INVALID', 'x'), { failed: EXIT.unknown })).toBe(2);
  });

  it('lets diff keep 1 for differences: its other failures become 2, usage errors stay 2', () => {
    expect(exitCodeOf(new DriftlessError('CLUSTER_UNAVAILABLE', 'x'), { failed: 2 })).toBe(2);
    expect(exitCodeOf(new DriftlessError('APP_NOT_FOUND', 'x'), { failed: 2 })).toBe(2);
  });

  it('maps a SyncResult by the same codes', () => {
    expect(syncExitCode(result('Synced'))).toBe(0);
    expect(syncExitCode(result('DryRun'))).toBe(0);
    expect(syncExitCode(result('Failed', ['PREFLIGHT_FAILED']))).toBe(1);
    expect(syncExitCode(result('Failed', ['SECRET_UNAVAILABLE']))).toBe(2);
  });

  it('exiting() sets the exit code from the return value or reports what was thrown', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await exiting(() => 1)();
    expect(process.exitCode).toBe(1);
    await exiting(() => undefined)();
    expect(process.exitCode).toBe(0);
    await exiting(() => {
      throw new DriftlessError('CONFIG_INVALID', 'driftless.yaml:3: apps[0].name: bad');
    })();
    expect(process.exitCode).toBe(2);
    expect(stderr).toHaveBeenLastCalledWith('driftless: driftless.yaml:3: apps[0].name: bad [CONFIG_INVALID]\n');
    await exiting(() => {
      throw new TypeError('oops');
    })();
    expect(process.exitCode).toBe(1);
    expect(String(stderr.mock.lastCall?.[0])).toMatch(/^driftless: unexpected error: oops \(set DRIFTLESS_DEBUG=1 for details\)\n$/);
  });
});
