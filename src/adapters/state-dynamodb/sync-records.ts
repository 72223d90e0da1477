import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RetentionPolicy, SyncRecord } from '../../ports/state.ts';
import { translateAwsError } from '../aws-common/errors.ts';
import { decodeJson, encodeJson } from './codec.ts';
import { allSyncs, keys, syncsByApp } from './table.ts';
import type { Item, TableIO } from './table-io.ts';
import { update } from './update.ts';

/** The sync audit log: one item per sync (plus chunk items for records gzip cannot fit). */
export class SyncRecords {
  private lastSeq = 0;

  constructor(private readonly io: TableIO) {}

  async put(record: SyncRecord): Promise<void> {
    const { io } = this;
    const encoded = encodeJson(record);
    const what = `writing sync ${record.id}`;
    if (encoded.kind === 'chunks') {
      // Chunks first: the record points at a set only once all of it is stored.
      for (const [index, chunk] of encoded.chunks.entries()) {
        await io.call(what, () => io.doc.send(new PutCommand({ TableName: io.table, Item: { ...keys.chunk(record.id, encoded.set, index), part: chunk } })));
      }
    }
    const seq = this.nextSeq();
    const payload = encoded.kind === 'inline' ? { data: encoded.data } : encoded.kind === 'gzip' ? { dataGz: encoded.dataGz } : { chunkSet: encoded.set, chunkCount: encoded.chunks.length };
    const out = await io.call(what, () => io.doc.send(new UpdateCommand({
      TableName: io.table, Key: keys.sync(record.id), ReturnValues: 'ALL_OLD',
      ...update({
        set: { id: record.id, app: record.app, state: record.state, queuedAt: record.queuedAt, gsi1pk: syncsByApp(record.app), gsi2pk: allSyncs, ...payload },
        setIfMissing: { seq, gsi1sk: seq, gsi2sk: seq },
        remove: ['data', 'dataGz', 'chunkSet', 'chunkCount'].filter((name) => !(name in payload)),
      }),
    })));
    const oldSet = out.Attributes?.chunkSet;
    if (typeof oldSet === 'string' && (encoded.kind !== 'chunks' || oldSet !== encoded.set)) await this.deleteChunks(record.id, oldSet);
  }

  async get(id: string): Promise<SyncRecord | undefined> {
    const items = await this.io.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.sync(id).pk }, ConsistentRead: true }, `reading sync ${id}`);
    const main = items.find((item) => item.sk === 'SYNC');
    return main && this.decode(main, items);
  }

  async list(filter: { app?: string; limit?: number }): Promise<SyncRecord[]> {
    const { io } = this;
    const byApp = filter.app !== undefined;
    const out = await io.call('listing syncs', () => io.doc.send(new QueryCommand({
      TableName: io.table, IndexName: byApp ? 'gsi1' : 'gsi2', ScanIndexForward: false, Limit: filter.limit ?? 100,
      KeyConditionExpression: byApp ? 'gsi1pk = :pk' : 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': byApp ? syncsByApp(filter.app!) : allSyncs },
    })));
    return Promise.all((out.Items ?? []).map((item) => this.decode(item)));
  }

  /** Off the webhook path (a schedule runs it): walks the ordered index, deleting item by item. */
  async prune(policy: RetentionPolicy): Promise<number> {
    const { io } = this;
    const items = await io.queryAll({ IndexName: 'gsi2', ScanIndexForward: false, KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': allSyncs } }, 'pruning syncs');
    const kept = new Map<string, number>();
    let pruned = 0;
    for (const item of items) {
      if (item.state === 'queued' || item.state === 'running') continue;
      const app = String(item.app);
      const count = (kept.get(app) ?? 0) + 1;
      kept.set(app, count);
      if (count <= policy.maxSyncsPerApp && String(item.queuedAt) >= policy.olderThan) continue;
      const id = String(item.id);
      await io.call(`pruning sync ${id}`, () => io.doc.send(new DeleteCommand({ TableName: io.table, Key: keys.sync(id) })));
      if (typeof item.chunkSet === 'string') await this.deleteChunks(id, item.chunkSet);
      pruned++;
    }
    return pruned;
  }

  private async decode(main: Item, items?: Item[]): Promise<SyncRecord> {
    if (typeof main.chunkSet !== 'string') return decodeJson<SyncRecord>(main);
    const what = `reading sync ${String(main.id)}`;
    const all = items ?? await this.io.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': main.pk }, ConsistentRead: true }, what);
    const prefix = `CHUNK#${main.chunkSet}#`;
    const chunks = all.filter((item) => String(item.sk).startsWith(prefix)).sort((a, b) => String(a.sk).localeCompare(String(b.sk))).map((item) => item.part as Uint8Array);
    if (chunks.length !== main.chunkCount) throw translateAwsError(new Error(`${chunks.length} of ${String(main.chunkCount)} parts found`), 'STATE_UNAVAILABLE', what);
    return decodeJson<SyncRecord>({}, chunks);
  }

  private async deleteChunks(id: string, set: string): Promise<void> {
    const { io } = this;
    const what = `deleting old parts of sync ${id}`;
    const items = await io.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :set)', ExpressionAttributeValues: { ':pk': keys.sync(id).pk, ':set': `CHUNK#${set}#` }, ProjectionExpression: 'pk, sk',
    }, what);
    for (const item of items) await io.call(what, () => io.doc.send(new DeleteCommand({ TableName: io.table, Key: { pk: item.pk, sk: item.sk } })));
  }

  /** Microseconds since the epoch, strictly increasing within this process; 16 digits sort as strings. */
  private nextSeq(): string {
    this.lastSeq = Math.max(Date.now() * 1000, this.lastSeq + 1);
    return String(this.lastSeq).padStart(16, '0');
  }
}
