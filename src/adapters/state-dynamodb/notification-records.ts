import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { NotificationRecord, RetentionPolicy } from '../../ports/state.ts';
import { keys } from './table.ts';
import type { TableIO } from './table-io.ts';

const byApp = (app: string): string => `NOTIFICATIONS#${app}`;
const all = 'NOTIFICATIONS';

/** The notification audit log: one small item per delivery, listed newest first through the indexes. */
export class NotificationRecords {
  private lastSeq = 0;

  constructor(private readonly io: TableIO) {}

  async put(record: NotificationRecord): Promise<void> {
    const { io } = this;
    const seq = this.nextSeq();
    await io.call(`recording notification ${record.id}`, () => io.doc.send(new PutCommand({
      TableName: io.table,
      Item: { ...keys.notification(seq, record.id), at: record.at, data: JSON.stringify(record), gsi1pk: byApp(record.app), gsi1sk: seq, gsi2pk: all, gsi2sk: seq },
    })));
  }

  async list(filter: { app?: string; limit?: number }): Promise<NotificationRecord[]> {
    const { io } = this;
    const app = filter.app;
    const out = await io.call('listing notifications', () => io.doc.send(new QueryCommand({
      TableName: io.table, IndexName: app !== undefined ? 'gsi1' : 'gsi2', ScanIndexForward: false, Limit: filter.limit ?? 50,
      KeyConditionExpression: app !== undefined ? 'gsi1pk = :pk' : 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': app !== undefined ? byApp(app) : all },
    })));
    return (out.Items ?? []).map((item) => JSON.parse(String(item.data)) as NotificationRecord);
  }

  /** As many kept as deliveries (the same bound as the memory and SQLite stores), none past the age. */
  async prune(policy: RetentionPolicy): Promise<number> {
    const { io } = this;
    const items = await io.queryAll({ IndexName: 'gsi2', ScanIndexForward: false, KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': all }, ProjectionExpression: 'pk, sk, #at', ExpressionAttributeNames: { '#at': 'at' } }, 'pruning notifications');
    let pruned = 0;
    for (const [index, item] of items.entries()) {
      if (index < policy.maxDeliveries && String(item.at) >= policy.olderThan) continue;
      await io.call('pruning notifications', () => io.doc.send(new DeleteCommand({ TableName: io.table, Key: { pk: item.pk, sk: item.sk } })));
      pruned++;
    }
    return pruned;
  }

  private nextSeq(): string {
    this.lastSeq = Math.max(Date.now() * 1000, this.lastSeq + 1);
    return String(this.lastSeq).padStart(16, '0');
  }
}
