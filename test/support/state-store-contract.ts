import { describe, expect, it } from 'vitest';
import type { DriftRecord, StateStore, SyncRecord } from '../../src/ports/state.ts';

const sync = (id: string, app: string, state: SyncRecord['state'] = 'queued'): SyncRecord => ({
  id, app, trigger: { kind: 'manual', actor: 'token#1' }, dryRun: false, state, queuedAt: new Date().toISOString(),
});

const report = (app: string, day: number, status: DriftRecord['status'] = 'Synced'): DriftRecord => ({
  app, status, checkedAt: new Date(Date.UTC(2026, 0, day)).toISOString(), objects: [], revision: { ref: 'main', sha: 'a'.repeat(40) },
});

/** The StateStore contract every adapter passes (memory, SQLite, DynamoDB). */
export function stateStoreContract(name: string, make: () => StateStore | Promise<StateStore>): void {
  describe(`StateStore contract (${name})`, () => {
    it('records deliveries and moves them through their states', async () => {
      const store = await make();
      expect(await store.getDelivery('d1')).toBeUndefined();
      await store.putDelivery({ id: 'd1', event: 'push', state: 'received', apps: ['a'], receivedAt: 't0', updatedAt: 't0' });
      await store.putDelivery({ id: 'd1', event: 'push', state: 'queued', apps: ['a', 'b'], receivedAt: 'ignored', updatedAt: 't1' });
      expect(await store.getDelivery('d1')).toEqual({ id: 'd1', event: 'push', state: 'queued', apps: ['a', 'b'], receivedAt: 't0', updatedAt: 't1' });
      await store.close();
    });

    it('merges app status patches, clears fields set to undefined and keeps pins separate', async () => {
      const store = await make();
      await store.updateAppStatus('web', { status: 'Synced', revision: { ref: 'main', sha: 'a'.repeat(40) }, message: 'x' });
      await store.setPin('web', { revision: 'v1', by: 'alice', at: 't' });
      const after = await store.updateAppStatus('web', { message: undefined, status: 'Queued' });
      expect(after).toEqual({ app: 'web', status: 'Queued', sourceMissing: false, revision: { ref: 'main', sha: 'a'.repeat(40) }, pin: { revision: 'v1', by: 'alice', at: 't' } });
      await store.setPin('web', undefined);
      expect((await store.getAppStatus('web'))?.pin).toBeUndefined();
      await store.setPin('api', { revision: 'v2', by: 'bob', at: 't' });
      expect((await store.listAppStatus()).map((s) => [s.app, s.pin?.revision])).toEqual([['api', 'v2'], ['web', undefined]]);
      await store.close();
    });

    it('keeps the sync audit log newest first, per app, and updates records in place', async () => {
      const store = await make();
      await store.putSync(sync('s1', 'web'));
      await store.putSync(sync('s2', 'api'));
      await store.putSync(sync('s3', 'web'));
      await store.putSync({ ...sync('s1', 'web', 'succeeded'), changes: 3 });
      expect((await store.listSyncs()).map((s) => s.id)).toEqual(['s3', 's2', 's1']);
      expect((await store.listSyncs({ app: 'web', limit: 1 })).map((s) => s.id)).toEqual(['s3']);
      expect(await store.getSync('s1')).toMatchObject({ state: 'succeeded', changes: 3, trigger: { kind: 'manual', actor: 'token#1' } });
      expect(await store.getSync('nope')).toBeUndefined();
      await store.close();
    });

    it('claims a delivery once: of concurrent claims exactly one wins; an expired claim that never reached "queued" is claimable again', async () => {
      const store = await make();
      const record = { id: 'g-1', event: 'push', state: 'received' as const, apps: [], receivedAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
      const claim = { now: '2026-01-01T00:00:00.000Z', claimedUntil: '2026-01-01T00:01:00.000Z' };
      const results = await Promise.all([store.claimDelivery(record, claim), store.claimDelivery({ ...record, receivedAt: 'other' }, claim)]);
      expect(results.map((r) => r.claimed).sort()).toEqual([false, true]);
      expect(results.find((r) => !r.claimed)!.record).toMatchObject({ state: 'received', claimedUntil: claim.claimedUntil });
      // Still held a second later.
      expect((await store.claimDelivery(record, { now: '2026-01-01T00:00:01.000Z', claimedUntil: '2026-01-01T00:01:01.000Z' })).claimed).toBe(false);
      // The holder died: past its claim a redelivery wins, keeping the first receipt time.
      const again = await store.claimDelivery({ ...record, receivedAt: '2026-01-01T00:05:00.000Z', updatedAt: '2026-01-01T00:05:00.000Z' }, { now: '2026-01-01T00:05:00.000Z', claimedUntil: '2026-01-01T00:06:00.000Z' });
      expect(again).toEqual({ claimed: true, record: { ...record, updatedAt: '2026-01-01T00:05:00.000Z', claimedUntil: '2026-01-01T00:06:00.000Z' } });
      // Once queued, nothing claims it again, however late.
      await store.putDelivery({ ...record, state: 'queued', apps: ['web'], updatedAt: '2026-01-01T00:05:01.000Z' });
      const late = await store.claimDelivery(record, { now: '2027-01-01T00:00:00.000Z', claimedUntil: '2027-01-01T00:01:00.000Z' });
      expect(late.claimed).toBe(false);
      expect(late.record).toEqual({ ...record, state: 'queued', apps: ['web'], updatedAt: '2026-01-01T00:05:01.000Z' });
      // A "received" record written without a claim (an older writer) is claimable.
      await store.putDelivery({ ...record, id: 'g-2' });
      expect((await store.claimDelivery({ ...record, id: 'g-2' }, claim)).claimed).toBe(true);
      await store.close();
    });

    it('holds a lease for one holder until it expires; the holder renews and releases it', async () => {
      const store = await make();
      const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
      const both = await Promise.all([
        store.acquireLease('drift', 'a', { now: t(0), expiresAt: t(30) }),
        store.acquireLease('drift', 'b', { now: t(0), expiresAt: t(30) }),
      ]);
      expect(both.filter(Boolean)).toHaveLength(1);
      const holder = both[0] ? 'a' : 'b';
      const other = holder === 'a' ? 'b' : 'a';
      expect(await store.getLease('drift')).toEqual({ name: 'drift', holder, expiresAt: t(30) });
      expect(await store.acquireLease('drift', other, { now: t(29), expiresAt: t(59) })).toBe(false);
      expect(await store.acquireLease('drift', holder, { now: t(29), expiresAt: t(59) })).toBe(true);
      expect(await store.acquireLease('drift', other, { now: t(40), expiresAt: t(70) })).toBe(false);
      // Expired: anyone may take it, whatever a TTL sweeper has or has not done.
      expect(await store.acquireLease('drift', other, { now: t(59), expiresAt: t(89) })).toBe(true);
      await store.releaseLease('drift', holder);
      expect((await store.getLease('drift'))?.holder).toBe(other);
      await store.releaseLease('drift', other);
      expect(await store.getLease('drift')).toBeUndefined();
      expect(await store.acquireLease('other', holder, { now: t(0), expiresAt: t(1) })).toBe(true);
      await store.close();
    });

    it('stores render dependencies deduplicated and sorted', async () => {
      const store = await make();
      expect(await store.getRenderDependencies('web')).toBeUndefined();
      await store.setRenderDependencies('web', ['overlays/prod', 'base', 'base']);
      expect(await store.getRenderDependencies('web')).toEqual(['base', 'overlays/prod']);
      await store.setRenderDependencies('api', ['api']);
      expect(await store.listRenderDependencies()).toEqual(new Map([['api', ['api']], ['web', ['base', 'overlays/prod']]]));
      await store.close();
    });

    it('prunes finished syncs past the age or the per-app count and deliveries past either bound; never a queued or running sync', async () => {
      const store = await make();
      const at = (day: number) => new Date(Date.UTC(2026, 0, day)).toISOString();
      for (let day = 1; day <= 5; day++) await store.putSync({ ...sync(`a${day}`, 'a', 'succeeded'), queuedAt: at(day) });
      await store.putSync({ ...sync('a-old-running', 'a', 'running'), queuedAt: at(1) });
      await store.putSync({ ...sync('b1', 'b', 'failed'), queuedAt: at(1) });
      await store.putSync({ ...sync('b2', 'b', 'skipped'), queuedAt: at(9) });
      for (let day = 1; day <= 4; day++) await store.putDelivery({ id: `d${day}`, event: 'push', state: 'done', apps: [], receivedAt: at(day + 5), updatedAt: at(day + 5) });
      await store.putDelivery({ id: 'd-old', event: 'push', state: 'done', apps: [], receivedAt: at(1), updatedAt: at(1) });

      const pruned = await store.prune({ olderThan: at(2), maxSyncsPerApp: 3, maxDeliveries: 3, maxDriftReportsPerApp: 3 });
      expect(pruned).toEqual({ syncs: 3, deliveries: 2, driftReports: 0 });
      expect((await store.listSyncs({ app: 'a' })).map((s) => s.id)).toEqual(['a-old-running', 'a5', 'a4', 'a3']);
      expect((await store.listSyncs({ app: 'b' })).map((s) => s.id)).toEqual(['b2']);
      for (const id of ['d2', 'd3', 'd4']) expect(await store.getDelivery(id)).toBeDefined();
      for (const id of ['d1', 'd-old']) expect(await store.getDelivery(id)).toBeUndefined();
      await store.close();
    });

    it('lists an app\'s reports newest first and the newest of every app', async () => {
      const store = await make();
      expect(await store.latestDriftReports()).toEqual([]);
      await store.putDriftReport(report('web', 1));
      await store.putDriftReport({ ...report('web', 2, 'OutOfSync'), heal: { action: 'queued', syncId: 's1', revision: 'a'.repeat(40) } });
      await store.putDriftReport(report('api', 1, 'Unknown'));
      expect((await store.listDriftReports('web')).map((r) => [r.status, r.checkedAt.slice(0, 10)])).toEqual([['OutOfSync', '2026-01-02'], ['Synced', '2026-01-01']]);
      expect(await store.listDriftReports('web', 1)).toEqual([{ ...report('web', 2, 'OutOfSync'), heal: { action: 'queued', syncId: 's1', revision: 'a'.repeat(40) } }]);
      expect(await store.listDriftReports('nope')).toEqual([]);
      expect((await store.latestDriftReports()).map((r) => [r.app, r.status])).toEqual([['api', 'Unknown'], ['web', 'OutOfSync']]);
      await store.close();
    });

    it('keeps the last N per app and drops old ones, but never an app\'s newest', async () => {
      const store = await make();
      for (let day = 1; day <= 6; day++) await store.putDriftReport(report('web', day));
      await store.putDriftReport(report('old', 1));
      const pruned = await store.prune({ olderThan: new Date(Date.UTC(2026, 0, 3)).toISOString(), maxSyncsPerApp: 10, maxDeliveries: 10, maxDriftReportsPerApp: 3 });
      expect(pruned).toEqual({ syncs: 0, deliveries: 0, driftReports: 3 });
      expect((await store.listDriftReports('web')).map((r) => r.checkedAt.slice(8, 10))).toEqual(['06', '05', '04']);
      expect(await store.listDriftReports('old')).toHaveLength(1);
      await store.close();
    });

    it('keeps drift and self-heal state on the app status', async () => {
      const store = await make();
      await store.updateAppStatus('web', { status: 'Synced', drift: { status: 'OutOfSync', checkedAt: 't', objects: 2 }, heal: { recent: ['t1'], suspended: { at: 't2', managers: ['kubectl-edit'], fields: ['Deployment ns/web /spec/replicas'], message: 'm' } } });
      expect(await store.getAppStatus('web')).toMatchObject({ drift: { status: 'OutOfSync', objects: 2 }, heal: { suspended: { managers: ['kubectl-edit'] } } });
      await store.updateAppStatus('web', { heal: undefined });
      expect((await store.getAppStatus('web'))?.heal).toBeUndefined();
      await store.close();
    });

    describe('notification deliveries', () => {
      const delivery = (id: string, app: string, at: string, state: 'delivered' | 'failed' = 'delivered') => ({
        id, event: 'sync-failed', app, sink: { index: 0, kind: 'slack' as const }, state, attempts: 1, at, ...(state === 'failed' ? { error: 'HTTP 503' } : { status: 200 }),
      });

      it('lists newest first, by app, and retention drops old ones', async () => {
        const store = await make();
        await store.putNotification!(delivery('a', 'web', '2026-01-01T00:00:00.000Z'));
        await store.putNotification!(delivery('b', 'api', '2026-01-02T00:00:00.000Z', 'failed'));
        await store.putNotification!(delivery('c', 'web', '2026-01-03T00:00:00.000Z'));
        expect((await store.listNotifications!()).map((r) => r.id)).toEqual(['c', 'b', 'a']);
        expect(await store.listNotifications!({ app: 'api' })).toEqual([delivery('b', 'api', '2026-01-02T00:00:00.000Z', 'failed')]);
        expect((await store.listNotifications!({ limit: 1 })).map((r) => r.id)).toEqual(['c']);
        await store.prune({ olderThan: '2026-01-02T00:00:00.000Z', maxSyncsPerApp: 10, maxDeliveries: 10, maxDriftReportsPerApp: 10 });
        expect((await store.listNotifications!()).map((r) => r.id)).toEqual(['c', 'b']);
        await store.prune({ olderThan: '2026-01-01T00:00:00.000Z', maxSyncsPerApp: 10, maxDeliveries: 1, maxDriftReportsPerApp: 10 });
        expect((await store.listNotifications!()).map((r) => r.id)).toEqual(['c']);
        await store.close();
      });
    });
  });
}
