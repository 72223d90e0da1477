import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import type { AppConfig } from '../../src/config/types.ts';
import type { DriftReport } from '../../src/core/types.ts';
import type { DriftNotifier } from '../../src/ports/drift-notifier.ts';
import type { DriftRecord, HealSuspension } from '../../src/ports/state.ts';
import { handleDriftReport, startDriftTimer } from '../../src/service/drift.ts';
import { createInProcessService } from '../../src/wiring/in-process.ts';
import { driftReport, replicasDrift, syncedSha } from '../support/drift-reports.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { pushPayload, sha } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

afterEach(() => void vi.useRealTimers());

function setup(apps: AppConfig[] = [appConfig('web', { selfHeal: true }), appConfig('api')]) {
  let clock = Date.parse('2026-03-01T12:00:00Z');
  const engine = new FakeEngine();
  engine.refs.set('main', sha(7));
  const store = new MemoryStateStore();
  const logs: Array<{ m: string; f?: Record<string, unknown> }> = [];
  const log = { info: (m: string, f?: Record<string, unknown>) => void logs.push({ m, f }), warn: (m: string, f?: Record<string, unknown>) => void logs.push({ m, f }), error: (m: string, f?: Record<string, unknown>) => void logs.push({ m, f }) };
  const { service, queue } = createInProcessService({ config: serviceConfig(apps), store, engine, log, now: () => new Date(clock) });
  const app = (name: string) => apps.find((a) => a.name === name)!;
  const check = async (name: string, report: DriftReport, notifier?: DriftNotifier): Promise<DriftRecord> => {
    const record = await handleDriftReport(service.ctx, app(name), { ...report, checkedAt: new Date(clock).toISOString() }, notifier);
    await queue.idle();
    return record;
  };
  return { service, queue, store, engine, logs, check, advance: (minutes: number) => void (clock += minutes * 60_000) };
}

describe('self-heal', () => {
  it('queues a sync of the revision last synced (not the branch head) with a heal trigger in the audit log', async () => {
    const { check, engine, store, service } = setup();
    const record = await check('web', driftReport('web', 'OutOfSync', { pending: sha(7) }));
    expect(record.heal).toMatchObject({ action: 'queued', revision: syncedSha });
    expect(engine.syncs.map((s) => [s.app, s.request.revision.sha, s.request.trigger.kind])).toEqual([['web', syncedSha, 'heal']]);
    const [audit] = await store.listSyncs({ app: 'web' });
    expect(audit).toMatchObject({ id: (record.heal as { syncId: string }).syncId, trigger: { kind: 'heal' }, requested: syncedSha, state: 'succeeded' });
    // Stored with what self-heal did, and summarized on the app.
    expect((await store.listDriftReports('web'))[0]).toEqual(record);
    expect((await service.listApps()).find((a) => a.name === 'web')?.drift).toEqual({ status: 'OutOfSync', checkedAt: record.checkedAt, objects: 1 });
  });

  it('never heals Unknown, an untrusted revision, an app without selfHeal, or while a sync is queued', async () => {
    const { check, engine, store } = setup();
    expect((await check('web', driftReport('web', 'Unknown'))).heal).toBeUndefined();
    const untrusted = driftReport('web', 'OutOfSync');
    delete untrusted.revision;
    expect((await check('web', untrusted)).heal).toMatchObject({ action: 'skipped', reason: expect.stringContaining('not known') });
    expect((await check('api', driftReport('api', 'OutOfSync'))).heal).toBeUndefined();
    await store.putSync({ id: 'busy', app: 'web', trigger: { kind: 'poll' }, dryRun: false, state: 'queued', queuedAt: 't' });
    expect((await check('web', driftReport('web', 'OutOfSync'))).heal).toMatchObject({ action: 'skipped', reason: expect.stringContaining('already queued') });
    expect(engine.syncs).toHaveLength(0);
  });

  it('after 3 heals within an hour: HealSuspended naming manager and fields, no more heals; a manual sync resumes healing', async () => {
    const { check, engine, service, queue, logs, advance } = setup();
    for (let i = 0; i < 3; i++) {
      expect((await check('web', driftReport('web', 'OutOfSync'))).heal?.action).toBe('queued');
      advance(10);
    }
    const fourth = await check('web', driftReport('web', 'OutOfSync'));
    expect(fourth.heal).toMatchObject({ action: 'suspended', suspension: { managers: ['kubectl-edit'], fields: ['Deployment shop/web /spec/replicas'] } });
    expect(engine.syncs).toHaveLength(3);
    const suspension = (fourth.heal as { suspension: HealSuspension }).suspension;
    expect(suspension.message).toContain('keeps fighting Git');
    expect(logs.filter((l) => l.m === 'self-heal suspended')).toHaveLength(1);

    const view = (await service.listApps()).find((a) => a.name === 'web')!;
    expect(view.drift?.status).toBe('HealSuspended');
    expect(view.healSuspended).toMatchObject({ managers: ['kubectl-edit'], fields: ['Deployment shop/web /spec/replicas'] });
    // Later reports say so too, and still nothing heals (even past the hour).
    advance(120);
    expect((await check('web', driftReport('web', 'OutOfSync'))).heal?.action).toBe('suspended');
    expect(engine.syncs).toHaveLength(3);

    await service.requestSync('web', {}, 'token#1');
    await queue.idle();
    expect(await service.store.getAppStatus('web').then((s) => s?.heal)).toBeUndefined();
    expect((await service.listApps()).find((a) => a.name === 'web')!.healSuspended).toBeUndefined();
    expect((await check('web', driftReport('web', 'OutOfSync'))).heal?.action).toBe('queued');
  });

  it('a heal never moves the app off a revision synced after its drift check (backwards, or past a pin)', async () => {
    const { check, engine, store } = setup();
    // A push (or a rollback) synced sha(7) while the check was still measuring against syncedSha.
    await store.updateAppStatus('web', { status: 'Synced', revision: { ref: 'main', sha: sha(7) } });
    const record = await check('web', driftReport('web', 'OutOfSync'));
    expect(record.heal).toMatchObject({ action: 'queued', revision: syncedSha });
    expect(engine.syncs).toHaveLength(0);
    const audit = await store.getSync((record.heal as { syncId: string }).syncId);
    expect(audit).toMatchObject({ state: 'skipped', reason: expect.stringContaining(`synced to ${sha(7).slice(0, 12)}`) });
    expect((await store.getAppStatus('web'))?.revision?.sha).toBe(sha(7));
  });

  it('a queued dry run (a diff job) does not hold a heal back: it restores nothing', async () => {
    const { check, engine, store } = setup();
    await store.putSync({ id: 'diff', app: 'web', trigger: { kind: 'manual', actor: 'token#1' }, dryRun: true, state: 'queued', queuedAt: 't' });
    expect((await check('web', driftReport('web', 'OutOfSync'))).heal).toMatchObject({ action: 'queued', revision: syncedSha });
    expect(engine.syncs.map((s) => s.request.trigger.kind)).toEqual(['heal']);
  });

  it('a running sync holds a heal back, unless its record is older than a runner can live (it died unrecorded)', async () => {
    const { check, store, advance } = setup();
    await store.putSync({ id: 'stuck', app: 'web', trigger: { kind: 'poll' }, dryRun: false, state: 'running', queuedAt: '2026-03-01T11:59:00Z', startedAt: '2026-03-01T11:59:30Z' });
    expect((await check('web', driftReport('web', 'OutOfSync'))).heal).toMatchObject({ action: 'skipped', reason: expect.stringContaining('already queued or running') });
    advance(121);
    expect((await check('web', driftReport('web', 'OutOfSync'))).heal).toMatchObject({ action: 'queued', revision: syncedSha });
  });

  it('a push resumes healing too; a heal sync does not', async () => {
    const { check, service, queue, advance } = setup();
    for (let i = 0; i < 4; i++) {
      await check('web', driftReport('web', 'OutOfSync'));
      advance(1);
    }
    expect((await service.store.getAppStatus('web'))?.heal?.suspended).toBeDefined();
    await service.handleWebhook({ id: 'd1', event: 'push', payload: pushPayload({ fullName: 'acme/gitops', after: sha(7), commits: [{ modified: ['apps/web/deploy.yaml'] }] }) });
    await queue.idle();
    expect((await service.store.getAppStatus('web'))?.heal).toBeUndefined();
    expect((await check('web', driftReport('web', 'OutOfSync'))).heal?.action).toBe('queued');
  });
});

describe('drift notifications', () => {
  function recorder(fail = { count: 0 }) {
    const calls: Array<{ status: string; suspended: boolean }> = [];
    const notifier: DriftNotifier = {
      async notify(record, suspension) {
        if (fail.count > 0) {
          fail.count--;
          throw new Error('GitHub is down');
        }
        calls.push({ status: record.status, suspended: suspension !== undefined });
        return true;
      },
    };
    return { calls, notifier, fail };
  }

  it('notifies only when the drift changes: open, no write while unchanged, edit on change, close when back in sync; Unknown changes nothing', async () => {
    const { check } = setup();
    const { calls, notifier } = recorder();
    await check('api', driftReport('api', 'Synced'), notifier);
    expect(calls).toEqual([]);
    await check('api', driftReport('api', 'OutOfSync'), notifier);
    await check('api', driftReport('api', 'OutOfSync'), notifier);
    await check('api', driftReport('api', 'Unknown'), notifier);
    expect(calls).toEqual([{ status: 'OutOfSync', suspended: false }]);
    await check('api', driftReport('api', 'OutOfSync', { objects: [replicasDrift('kubectl-edit', 'shop', 'web', 9)] }), notifier);
    await check('api', driftReport('api', 'Synced'), notifier);
    await check('api', driftReport('api', 'Synced'), notifier);
    expect(calls.map((c) => c.status)).toEqual(['OutOfSync', 'OutOfSync', 'Synced']);
  });

  it('a failed delivery is logged, never fails the report, and is tried again on the next run', async () => {
    const { check, logs, store } = setup();
    const { calls, notifier } = recorder({ count: 1 });
    const record = await check('api', driftReport('api', 'OutOfSync'), notifier);
    expect(record.status).toBe('OutOfSync');
    expect(await store.listDriftReports('api')).toHaveLength(1);
    expect(logs.some((l) => l.m.startsWith('drift notification failed'))).toBe(true);
    expect(calls).toEqual([]);
    await check('api', driftReport('api', 'OutOfSync'), notifier);
    expect(calls).toEqual([{ status: 'OutOfSync', suspended: false }]);
  });

  it('a heal suspension is delivered as a change', async () => {
    const { check, advance } = setup();
    const { calls, notifier } = recorder();
    for (let i = 0; i < 4; i++) {
      await check('web', driftReport('web', 'OutOfSync'), notifier);
      advance(1);
    }
    expect(calls).toEqual([{ status: 'OutOfSync', suspended: false }, { status: 'OutOfSync', suspended: true }]);
  });
});

describe('startDriftTimer', () => {
  it('runs every interval ± 20 % and never overlaps a slow run', async () => {
    vi.useFakeTimers();
    const { service } = setup();
    let running = 0;
    let peak = 0;
    let runs = 0;
    const timer = startDriftTimer(service.ctx, async () => {
      running++;
      runs++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      running--;
    }, 1000, () => 0);
    await vi.advanceTimersByTimeAsync(799);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    // The run takes 5 s: no second one starts until it finished plus one interval.
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(800);
    expect(runs).toBe(2);
    timer.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(runs).toBe(2);
    expect(peak).toBe(1);
  });
});
