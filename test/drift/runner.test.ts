import { describe, expect, it } from 'vitest';
import { DriftlessError } from '../../src/core/errors.ts';
import type { DriftReport } from '../../src/core/types.ts';
import { createDriftRunner } from '../../src/drift/runner.ts';
import type { Source } from '../../src/ports/source.ts';
import { driftReport } from '../support/drift-reports.ts';
import { appConfig } from '../support/service-fixtures.ts';

const apps = (n: number) => Array.from({ length: n }, (_, i) => appConfig(`app${i}`));

function deferred(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe('createDriftRunner', () => {
  it('checks every app with at most `concurrency` checks in flight, reports in app order', async () => {
    let running = 0;
    let peak = 0;
    const runner = createDriftRunner({
      apps: () => apps(9), concurrency: 3,
      check: async (app) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return driftReport(app.name, 'Synced');
      },
    });
    const run = await runner.run();
    expect(peak).toBe(3);
    expect(run.reports.map((r) => r.app)).toEqual(apps(9).map((a) => a.name));
  });

  it('never overlaps: a run asked for while one is in flight joins it', async () => {
    const gate = deferred();
    let checks = 0;
    const runner = createDriftRunner({
      apps: () => apps(2),
      check: async (app) => {
        checks++;
        await gate.promise;
        return driftReport(app.name, 'Synced');
      },
    });
    const first = runner.run();
    const second = runner.run();
    expect(runner.running).toBe(true);
    expect(second).toBe(first);
    gate.release();
    await first;
    expect(checks).toBe(2);
    expect(runner.running).toBe(false);
    await runner.run();
    expect(checks).toBe(4);
  });

  it('one failing app becomes Unknown with the reason; the others still report, and a failing onReport is logged', async () => {
    const handled: DriftReport[] = [];
    const errors: string[] = [];
    const runner = createDriftRunner({
      apps: () => apps(3),
      check: async (app) => {
        if (app.name === 'app0') throw new DriftlessError('CLUSTER_UNAVAILABLE', 'cluster local is unreachable', { transient: true });
        if (app.name === 'app1') throw new TypeError('secret-ish internals');
        return driftReport(app.name, 'OutOfSync');
      },
      onReport: async (report) => {
        if (report.app === 'app2') throw new Error('store down');
        handled.push(report);
      },
      onError: (app, err) => errors.push(`${app}: ${(err as Error).message}`),
    });
    const run = await runner.run();
    expect(run.reports.map((r) => [r.app, r.status])).toEqual([['app0', 'Unknown'], ['app1', 'Unknown'], ['app2', 'OutOfSync']]);
    expect(run.reports[0]!.reason).toEqual({ code: 'CLUSTER_UNAVAILABLE', message: 'cluster local is unreachable' });
    // An unexpected error's message stays in the log, not in the stored report.
    expect(run.reports[1]!.reason).toEqual({ code: 'INTERNAL', message: expect.not.stringContaining('secret-ish') });
    expect(handled.map((r) => r.app)).toEqual(['app0', 'app1']);
    expect(errors).toEqual(['app0: cluster local is unreachable', 'app1: secret-ish internals', 'app2: store down']);
  });

  it('apps of one run share a branch-head lookup per repository; the next run looks again', async () => {
    let resolves = 0;
    const source: Source = {
      resolve: async (ref) => (resolves++, { ref, sha: 'a'.repeat(40) }),
      tree: async () => { throw new Error('not read'); },
    };
    const runner = createDriftRunner({
      apps: () => apps(5), concurrency: 2,
      check: async (app, run) => {
        await run.cache.source(source).resolve('main');
        return driftReport(app.name, 'Synced');
      },
    });
    await runner.run();
    expect(resolves).toBe(1);
    await runner.run();
    expect(resolves).toBe(2);
  });
});
