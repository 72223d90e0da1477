import { randomBytes } from 'node:crypto';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStateStore, stateTableDefinition } from '../../../src/adapters/state-dynamodb/index.ts';
import type { SyncRecord } from '../../../src/ports/state.ts';
import { startDynalite, type DynamoStandin } from '../../support/aws-standin/dynamodb.ts';
import { stateStoreContract } from '../../support/state-store-contract.ts';

let dynamo: DynamoStandin;
let tables = 0;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.close();
});

async function freshStore(): Promise<{ store: ReturnType<typeof createDynamoStateStore>; table: string }> {
  const table = `driftless-${++tables}`;
  await dynamo.createTable(stateTableDefinition(table));
  return { store: createDynamoStateStore({ client: dynamo.client(), tableName: table }), table };
}

stateStoreContract('dynamodb', async () => (await freshStore()).store);

const sync = (id: string, app: string, extra: Partial<SyncRecord> = {}): SyncRecord => ({
  id, app, trigger: { kind: 'push', delivery: 'd1' }, dryRun: false, state: 'succeeded', queuedAt: new Date().toISOString(), ...extra,
});

describe('DynamoDB StateStore (dynalite)', () => {
  it('a second "container" with its own client sees the same state, and concurrent claims from both let exactly one enqueue', async () => {
    const { store: first, table } = await freshStore();
    const second = createDynamoStateStore({ client: dynamo.client(), tableName: table });
    const record = { id: 'guid-1', event: 'push', state: 'received' as const, apps: [], receivedAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
    const claim = { now: '2026-01-01T00:00:00.000Z', claimedUntil: '2026-01-01T00:01:00.000Z' };
    for (let round = 0; round < 5; round++) {
      const id = `guid-race-${round}`;
      const outcomes = await Promise.all([first.claimDelivery({ ...record, id }, claim), second.claimDelivery({ ...record, id }, claim)]);
      expect(outcomes.filter((o) => o.claimed)).toHaveLength(1);
    }
    await first.updateAppStatus('web', { status: 'Synced' });
    expect(await second.getAppStatus('web')).toEqual({ app: 'web', status: 'Synced', sourceMissing: false });
    await second.putDelivery({ ...record, state: 'queued', apps: ['web'] });
    expect((await first.getDelivery('guid-1'))?.state).toBe('queued');
  });

  it('concurrent status updates from two containers lose no field', async () => {
    const { store: first, table } = await freshStore();
    const second = createDynamoStateStore({ client: dynamo.client(), tableName: table });
    await Promise.all([
      first.updateAppStatus('web', { status: 'Syncing', lastSyncId: 's1' }),
      second.updateAppStatus('web', { message: 'hello', sourceMissing: true }),
      first.updateAppStatus('web', { lastSyncAt: 't' }),
    ]);
    expect(await second.getAppStatus('web')).toMatchObject({ lastSyncId: 's1', message: 'hello', sourceMissing: true, lastSyncAt: 't' });
  });

  it('stores sync records past 400 KB: gzipped when that fits, in chunks when not; rewriting drops old chunks', async () => {
    const { store, table } = await freshStore();
    const compressible = sync('big-1', 'web', { reason: 'x'.repeat(600_000) });
    await store.putSync(compressible);
    expect(await store.getSync('big-1')).toEqual(compressible);
    const raw = await dynamo.client().send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'SYNC#big-1' }, sk: { S: 'SYNC' } } }));
    expect(raw.Item?.dataGz?.B).toBeDefined();
    expect(raw.Item?.data).toBeUndefined();

    // Random text does not compress: 900 KB of it becomes chunk items.
    const noisy = sync('big-2', 'web', { reason: randomBytes(450_000).toString('hex') });
    await store.putSync(noisy);
    expect(await store.getSync('big-2')).toEqual(noisy);
    expect((await store.listSyncs({ app: 'web', limit: 1 }))[0]).toEqual(noisy);
    const parts = async () => (await dynamo.client().send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'SYNC#big-2' } } }))).Items!.length;
    expect(await parts()).toBeGreaterThanOrEqual(3);
    const small = { ...noisy, reason: 'done', state: 'failed' as const };
    await store.putSync(small);
    expect(await store.getSync('big-2')).toEqual(small);
    expect(await parts()).toBe(1);
    // Updating a record keeps its place in the newest-first listing.
    expect((await store.listSyncs({ app: 'web' })).map((s) => s.id)).toEqual(['big-2', 'big-1']);
  });

  it('keeps a drift report that gzip cannot fit under 400 KB, trimming its object list, and the newest of every app in one query', async () => {
    const { store } = await freshStore();
    const objects = Array.from({ length: 400 }, (_, i) => ({
      ref: { group: '', kind: 'ConfigMap', namespace: 'web', name: `cm-${i}` }, state: 'modified' as const,
      fields: [{ path: '/data/blob', desired: randomBytes(1500).toString('hex'), live: 'x' }],
    }));
    const big = { app: 'web', status: 'OutOfSync' as const, checkedAt: '2026-01-01T00:00:00.000Z', objects };
    await store.putDriftReport(big);
    const [stored] = await store.listDriftReports('web');
    expect(stored!.status).toBe('OutOfSync');
    expect(stored!.objects.length).toBeGreaterThan(0);
    expect(stored!.objects.length).toBeLessThan(400);
    expect(stored!.objects[0]).toEqual(objects[0]);
    await store.putDriftReport({ app: 'api', status: 'Synced', checkedAt: '2026-01-01T00:00:00.000Z', objects: [] });
    expect((await store.latestDriftReports()).map((r) => [r.app, r.objects.length])).toEqual([['api', 0], ['web', stored!.objects.length]]);
  });

  it('health reads the table and names it when it is missing', async () => {
    const { store } = await freshStore();
    expect(await store.health()).toEqual({ ok: true });
    const lost = createDynamoStateStore({ client: dynamo.client(), tableName: 'no-such-table' });
    const health = await lost.health();
    expect(health).toMatchObject({ ok: false, reason: expect.stringContaining('no-such-table') });
    await expect(lost.putSync(sync('s', 'a'))).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE', details: { awsError: 'ResourceNotFoundException', transient: false } });
  });
});
