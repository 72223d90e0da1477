import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DriftRecord, RetentionPolicy } from '../../ports/state.ts';
import { decodeJson, encodeJson, type Encoded } from './codec.ts';
import { appsPartition, keys } from './table.ts';
import type { TableIO } from './table-io.ts';

/**
 * Drift report history: one item per report under the app's own partition (sorted by write
 * sequence), plus a copy of the newest in the APPS partition so that "the newest of every app" is
 * one query. The two writes are not atomic: should the second fail, the latest lags one report
 * behind until the next check (the history has it).
 */
export class DriftRecords {
  private lastSeq = 0;

  constructor(private readonly io: TableIO) {}

  async put(record: DriftRecord): Promise<void> {
    const { io } = this;
    const payload = fitted(record);
    const seq = this.nextSeq();
    const what = `writing a drift report of ${record.app}`;
    await io.call(what, () => io.doc.send(new PutCommand({ TableName: io.table, Item: { ...keys.drift(record.app, seq), app: record.app, checkedAt: record.checkedAt, ...payload } })));
    await io.call(what, () => io.doc.send(new PutCommand({ TableName: io.table, Item: { ...keys.latestDrift(record.app), app: record.app, seq, checkedAt: record.checkedAt, ...payload } })));
  }

  async list(app: string, limit = 20): Promise<DriftRecord[]> {
    const { io } = this;
    const out = await io.call(`listing drift reports of ${app}`, () => io.doc.send(new QueryCommand({
      TableName: io.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.drift(app, '').pk }, ScanIndexForward: false, Limit: limit, ConsistentRead: true,
    })));
    return (out.Items ?? []).map((item) => decodeJson<DriftRecord>(item));
  }

  async latest(): Promise<DriftRecord[]> {
    const items = await this.io.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': appsPartition, ':prefix': 'DRIFT#' }, ConsistentRead: true,
    }, 'listing the latest drift reports');
    return items.map((item) => decodeJson<DriftRecord>(item)).sort((a, b) => a.app.localeCompare(b.app));
  }

  /** Keeps each app's newest report whatever its age (GET /drift serves it). */
  async prune(policy: RetentionPolicy): Promise<number> {
    const { io } = this;
    let pruned = 0;
    for (const latest of await this.latest()) {
      const items = await io.queryAll({
        KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.drift(latest.app, '').pk }, ScanIndexForward: false, ProjectionExpression: 'pk, sk, checkedAt',
      }, `pruning drift reports of ${latest.app}`);
      for (const [index, item] of items.entries()) {
        if (index === 0 || (index < policy.maxDriftReportsPerApp && String(item.checkedAt) >= policy.olderThan)) continue;
        await io.call(`pruning drift reports of ${latest.app}`, () => io.doc.send(new DeleteCommand({ TableName: io.table, Key: { pk: item.pk, sk: item.sk } })));
        pruned++;
      }
    }
    return pruned;
  }

  /** Microseconds since the epoch, strictly increasing within this process; 16 digits sort as strings. */
  private nextSeq(): string {
    this.lastSeq = Math.max(Date.now() * 1000, this.lastSeq + 1);
    return String(this.lastSeq).padStart(16, '0');
  }
}

/**
 * A report's data as one item's attributes. Reports are append-only, so rather than chunk items
 * (which would interleave with the history), one too large even gzipped keeps its first drifted
 * objects, halving until it fits; its status, revision and counts on the app status stay exact.
 */
function fitted(record: DriftRecord): { data: string } | { dataGz: Uint8Array } {
  let candidate = record;
  for (;;) {
    const encoded: Encoded = encodeJson(candidate);
    if (encoded.kind === 'inline') return { data: encoded.data };
    if (encoded.kind === 'gzip') return { dataGz: encoded.dataGz };
    candidate = { ...candidate, objects: candidate.objects.slice(0, Math.floor(candidate.objects.length / 2)) };
  }
}
