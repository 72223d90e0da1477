import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type {
  AppStatusRecord, DeliveryClaim, DeliveryRecord, DriftRecord, Lease, NotificationRecord, Pin, PruneCounts, RetentionPolicy, StateStore, StoreHealth, SyncRecord,
} from '../../ports/state.ts';
import { translateAwsError } from '../aws-common/errors.ts';
import { mergeStatus } from '../state-memory/memory-state.ts';
import { decodeJson, encodeJson } from './codec.ts';
import { allDeliveries, appsPartition, keys, ttlAttribute } from './table.ts';
import { DriftRecords } from './drift-records.ts';
import { NotificationRecords } from './notification-records.ts';
import { SyncRecords } from './sync-records.ts';
import { conditionFailed, TableIO, type Item } from './table-io.ts';
import { update } from './update.ts';

export interface DynamoStateOptions {
  /** Built once per container and owned by the caller; a plain client is wrapped in a document client. */
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
}

/** StateStore on one DynamoDB table; the layout, and why it needs no Scan, is in table.ts. */
export function createDynamoStateStore(options: DynamoStateOptions): StateStore {
  return new DynamoStateStore(options);
}

export class DynamoStateStore implements StateStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly io: TableIO;
  private readonly syncs: SyncRecords;
  private readonly drift: DriftRecords;
  private readonly notifications: NotificationRecords;

  constructor(options: DynamoStateOptions) {
    this.doc = options.client instanceof DynamoDBDocumentClient
      ? options.client
      : DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.table = options.tableName;
    this.io = new TableIO(this.doc, this.table);
    this.syncs = new SyncRecords(this.io);
    this.drift = new DriftRecords(this.io);
    this.notifications = new NotificationRecords(this.io);
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const item = await this.get(keys.delivery(id), `reading delivery ${id}`);
    return item && toDelivery(item);
  }

  async putDelivery(record: DeliveryRecord): Promise<void> {
    const { claimedUntil, ...fields } = record;
    await this.call(`writing delivery ${record.id}`, () => this.doc.send(new UpdateCommand({
      TableName: this.table, Key: keys.delivery(record.id),
      ...update({
        set: { id: fields.id, event: fields.event, state: fields.state, apps: fields.apps, updatedAt: fields.updatedAt, gsi2pk: allDeliveries, ...(claimedUntil ? { claimedUntil } : {}) },
        setIfMissing: { receivedAt: fields.receivedAt, gsi2sk: `${fields.receivedAt}#${fields.id}` },
        remove: claimedUntil ? [] : ['claimedUntil'],
      }),
    })));
  }

  async claimDelivery(record: DeliveryRecord, claim: { now: string; claimedUntil: string }): Promise<DeliveryClaim> {
    try {
      const out = await this.doc.send(new UpdateCommand({
        TableName: this.table, Key: keys.delivery(record.id), ReturnValues: 'ALL_NEW',
        ...update({
          set: { id: record.id, event: record.event, state: 'received', apps: record.apps, updatedAt: record.updatedAt, claimedUntil: claim.claimedUntil, gsi2pk: allDeliveries },
          setIfMissing: { receivedAt: record.receivedAt, gsi2sk: `${record.receivedAt}#${record.id}` },
          condition: '(attribute_not_exists(#pk) OR (#state = :received AND (attribute_not_exists(#claimedUntil) OR #claimedUntil <= :now)))',
          conditionNames: { '#pk': 'pk', '#state': 'state', '#claimedUntil': 'claimedUntil' },
          conditionValues: { ':received': 'received', ':now': claim.now },
        }),
      }));
      return { claimed: true, record: toDelivery(out.Attributes ?? {}) };
    } catch (err) {
      if (!conditionFailed(err)) throw translateAwsError(err, 'STATE_UNAVAILABLE', `claiming delivery ${record.id}`);
    }
    const holder = await this.getDelivery(record.id);
    if (!holder) throw translateAwsError(new Error('the delivery vanished while being claimed'), 'STATE_UNAVAILABLE', `claiming delivery ${record.id}`);
    return { claimed: false, record: holder };
  }

  async acquireLease(name: string, holder: string, times: { now: string; expiresAt: string }): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.table, Key: keys.lease(name),
        ...update({
          set: { name, holder, leaseUntil: times.expiresAt, [ttlAttribute]: Math.ceil(Date.parse(times.expiresAt) / 1000) + 86_400 },
          condition: '(attribute_not_exists(#pk) OR #holder = :holder OR #leaseUntil <= :now)',
          conditionNames: { '#pk': 'pk', '#holder': 'holder', '#leaseUntil': 'leaseUntil' },
          conditionValues: { ':holder': holder, ':now': times.now },
        }),
      }));
      return true;
    } catch (err) {
      if (conditionFailed(err)) return false;
      throw translateAwsError(err, 'STATE_UNAVAILABLE', `taking lease ${name}`);
    }
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({
        TableName: this.table, Key: keys.lease(name),
        ConditionExpression: '#holder = :holder', ExpressionAttributeNames: { '#holder': 'holder' }, ExpressionAttributeValues: { ':holder': holder },
      }));
    } catch (err) {
      if (!conditionFailed(err)) throw translateAwsError(err, 'STATE_UNAVAILABLE', `releasing lease ${name}`);
    }
  }

  async getLease(name: string): Promise<Lease | undefined> {
    const item = await this.get(keys.lease(name), `reading lease ${name}`);
    return item && { name: String(item.name), holder: String(item.holder), expiresAt: String(item.leaseUntil) };
  }

  async getAppStatus(app: string): Promise<AppStatusRecord | undefined> {
    const [status, pin] = await Promise.all([this.get(keys.status(app), `reading app ${app}`), this.get(keys.pin(app), `reading app ${app}`)]);
    if (!status && !pin) return undefined;
    return withPin(status ? (decodeJson<AppStatusRecord>(status)) : blank(app), pin && toPin(pin));
  }

  async listAppStatus(): Promise<AppStatusRecord[]> {
    // Two prefix queries rather than the whole partition: render dependencies are the bulky items.
    const prefixed = (prefix: string) => this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': appsPartition, ':prefix': prefix }, ConsistentRead: true,
    }, 'listing apps');
    const items = (await Promise.all([prefixed('STATUS#'), prefixed('PIN#')])).flat();
    const statuses = new Map<string, AppStatusRecord>();
    const pins = new Map<string, Pin>();
    for (const item of items) {
      const sk = String(item.sk);
      if (sk.startsWith('STATUS#')) statuses.set(sk.slice(7), decodeJson<AppStatusRecord>(item));
      else if (sk.startsWith('PIN#')) pins.set(sk.slice(4), toPin(item));
    }
    const apps = [...new Set([...statuses.keys(), ...pins.keys()])].sort((a, b) => a.localeCompare(b));
    return apps.map((app) => withPin(statuses.get(app) ?? blank(app), pins.get(app)));
  }

  /**
   * Read, merge, write back only if nobody wrote in between (a version number), else again: two
   * Lambdas updating one app's status never lose each other's fields.
   */
  async updateAppStatus(app: string, patch: Partial<Omit<AppStatusRecord, 'app'>>): Promise<AppStatusRecord> {
    const { pin, ...rest } = patch;
    if ('pin' in patch) await this.setPin(app, pin);
    for (let attempt = 0; ; attempt++) {
      const item = await this.get(keys.status(app), `reading app ${app}`);
      const version = typeof item?.version === 'number' ? item.version : 0;
      const next = mergeStatus(item ? decodeJson<AppStatusRecord>(item) : blank(app), rest);
      delete next.pin;
      try {
        await this.doc.send(new PutCommand({
          TableName: this.table, Item: { ...keys.status(app), app, data: JSON.stringify(next), version: version + 1 },
          ConditionExpression: item ? '#version = :version' : 'attribute_not_exists(pk)',
          ...(item ? { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': version } } : {}),
        }));
        const currentPin = 'pin' in patch ? pin : await this.get(keys.pin(app), `reading app ${app}`).then((p) => p && toPin(p));
        return withPin(next, currentPin);
      } catch (err) {
        if (!conditionFailed(err) || attempt >= 20) throw translateAwsError(err, 'STATE_UNAVAILABLE', `updating app ${app}`);
      }
    }
  }

  async setPin(app: string, pin: Pin | undefined): Promise<void> {
    await this.call(`pinning app ${app}`, () => pin
      ? this.doc.send(new PutCommand({ TableName: this.table, Item: { ...keys.pin(app), app, revision: pin.revision, by: pin.by, at: pin.at } }))
      : this.doc.send(new DeleteCommand({ TableName: this.table, Key: keys.pin(app) })));
  }

  async putSync(record: SyncRecord): Promise<void> {
    await this.syncs.put(record);
  }

  async getSync(id: string): Promise<SyncRecord | undefined> {
    return this.syncs.get(id);
  }

  async listSyncs(filter: { app?: string; limit?: number } = {}): Promise<SyncRecord[]> {
    return this.syncs.list(filter);
  }

  async putDriftReport(record: DriftRecord): Promise<void> {
    await this.drift.put(record);
  }

  async listDriftReports(app: string, limit?: number): Promise<DriftRecord[]> {
    return this.drift.list(app, limit);
  }

  async latestDriftReports(): Promise<DriftRecord[]> {
    return this.drift.latest();
  }

  async putNotification(record: NotificationRecord): Promise<void> {
    await this.notifications.put(record);
  }

  async listNotifications(filter: { app?: string; limit?: number } = {}): Promise<NotificationRecord[]> {
    return this.notifications.list(filter);
  }

  async getRenderDependencies(app: string): Promise<string[] | undefined> {
    const item = await this.get(keys.deps(app), `reading render dependencies of ${app}`);
    return item && decodeJson<string[]>(item);
  }

  /**
   * Gzipped past the inline limit; a list too large even then is not stored (the app reads as
   * "dependencies unknown", which syncs on every push: slower, never wrong).
   */
  async setRenderDependencies(app: string, paths: string[]): Promise<void> {
    const encoded = encodeJson([...new Set(paths)].sort());
    const what = `writing render dependencies of ${app}`;
    if (encoded.kind === 'chunks') {
      await this.call(what, () => this.doc.send(new DeleteCommand({ TableName: this.table, Key: keys.deps(app) })));
      return;
    }
    const payload = encoded.kind === 'inline' ? { data: encoded.data } : { dataGz: encoded.dataGz };
    await this.call(what, () => this.doc.send(new PutCommand({ TableName: this.table, Item: { ...keys.deps(app), app, ...payload, updatedAt: new Date().toISOString() } })));
  }

  async listRenderDependencies(): Promise<Map<string, string[]>> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :deps)', ExpressionAttributeValues: { ':pk': appsPartition, ':deps': 'DEPS#' }, ConsistentRead: true,
    }, 'listing render dependencies');
    return new Map(items.map((item) => [String(item.sk).slice(5), decodeJson<string[]>(item)]));
  }

  /** Off the webhook path (a schedule runs it): walks the ordered indexes and deletes item by item. */
  async prune(policy: RetentionPolicy): Promise<PruneCounts> {
    const syncs = await this.syncs.prune(policy);
    const driftReports = await this.drift.prune(policy);
    await this.notifications.prune(policy);
    const deliveryItems = await this.queryAll({ IndexName: 'gsi2', ScanIndexForward: false, KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': allDeliveries } }, 'pruning deliveries');
    let deliveries = 0;
    for (const [index, item] of deliveryItems.entries()) {
      if (index >= policy.maxDeliveries || String(item.updatedAt) < policy.olderThan) {
        await this.call('pruning deliveries', () => this.doc.send(new DeleteCommand({ TableName: this.table, Key: keys.delivery(String(item.id)) })));
        deliveries++;
      }
    }
    return { syncs, deliveries, driftReports };
  }

  async health(): Promise<StoreHealth> {
    try {
      await this.doc.send(new GetCommand({ TableName: this.table, Key: keys.health }));
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: translateAwsError(err, 'STATE_UNAVAILABLE', `DynamoDB table ${this.table}`).message };
    }
  }

  /** The client belongs to the caller (a warm Lambda keeps it across invocations). */
  async close(): Promise<void> {}

  private get(key: Item, what: string): Promise<Item | undefined> {
    return this.io.get(key, what);
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName'>, what: string): Promise<Item[]> {
    return this.io.queryAll(input, what);
  }

  private call<T>(what: string, run: () => Promise<T>): Promise<T> {
    return this.io.call(what, run);
  }
}

function toDelivery(item: Item): DeliveryRecord {
  return {
    id: String(item.id), event: String(item.event), state: String(item.state) as DeliveryRecord['state'],
    apps: Array.isArray(item.apps) ? item.apps.map(String) : [], receivedAt: String(item.receivedAt), updatedAt: String(item.updatedAt),
    ...(typeof item.claimedUntil === 'string' ? { claimedUntil: item.claimedUntil } : {}),
  };
}

function toPin(item: Item): Pin {
  return { revision: String(item.revision), by: String(item.by), at: String(item.at) };
}

function blank(app: string): AppStatusRecord {
  return { app, status: 'Never', sourceMissing: false };
}

function withPin(status: AppStatusRecord, pin: Pin | undefined): AppStatusRecord {
  const out = { ...status };
  delete out.pin;
  if (pin) out.pin = { ...pin };
  return out;
}


