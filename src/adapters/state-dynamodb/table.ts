import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * Single-table layout of the DynamoDB StateStore. Every key is a string `pk` + `sk`; two global
 * indexes give the ordered listings. No transactions (every write stands alone and is safe to
 * repeat), no Scan anywhere: each lookup is a key read or a query.
 *
 *   item            pk                 sk                    gsi1pk / gsi1sk       gsi2pk / gsi2sk
 *   delivery        DELIVERY#<id>      DELIVERY              -                     DELIVERIES / <receivedAt>#<id>
 *   app status      APPS               STATUS#<app>          -                     -
 *   pin             APPS               PIN#<app>             -                     -
 *   render deps     APPS               DEPS#<app>            -                     -
 *   newest drift    APPS               DRIFT#<app>           -                     -
 *   drift report    DRIFT#<app>        <seq>                 -                     -
 *   sync            SYNC#<id>          SYNC                  SYNCS#<app> / <seq>   SYNCS / <seq>
 *   sync chunk      SYNC#<id>          CHUNK#<set>#<n>       -                     -
 *   lease           LEASE#<name>       LEASE                 -                     -
 *   notification    NOTIFICATION#<seq>#<id>  NOTIFICATION    NOTIFICATIONS#<app> / <seq>   NOTIFICATIONS / <seq>
 *   health probe    HEALTH             HEALTH (read only)    -                     -
 *
 * The webhook path reads app status, pins and render dependencies of every app with one query
 * (pk = APPS, a small partition: one item of each kind per app) and claims the delivery with one
 * conditional UpdateItem. `seq` is the write time in microseconds, fixed at a sync's first write,
 * so listings are newest first in the order syncs were queued. Sync records over ~300 KB are
 * gzipped into a Binary attribute, and past that split into chunk items read back by one query on
 * the sync's pk (an item is at most 400 KB). Leases and delivery claims compare their expiry in
 * the ConditionExpression (`leaseUntil`, `claimedUntil`: ISO times); the `expiresAt` attribute
 * (epoch seconds, on leases only) just lets DynamoDB's TTL, which deletes within days, clean up.
 * The index partitions SYNCS and DELIVERIES take every sync and delivery: one partition absorbs
 * about 1,000 writes a second, far beyond a GitOps reconciler's pushes.
 */

export const keys = {
  delivery: (id: string) => ({ pk: `DELIVERY#${id}`, sk: 'DELIVERY' }),
  status: (app: string) => ({ pk: 'APPS', sk: `STATUS#${app}` }),
  pin: (app: string) => ({ pk: 'APPS', sk: `PIN#${app}` }),
  deps: (app: string) => ({ pk: 'APPS', sk: `DEPS#${app}` }),
  sync: (id: string) => ({ pk: `SYNC#${id}`, sk: 'SYNC' }),
  chunk: (id: string, set: string, index: number) => ({ pk: `SYNC#${id}`, sk: `CHUNK#${set}#${String(index).padStart(4, '0')}` }),
  lease: (name: string) => ({ pk: `LEASE#${name}`, sk: 'LEASE' }),
  drift: (app: string, seq: string) => ({ pk: `DRIFT#${app}`, sk: seq }),
  latestDrift: (app: string) => ({ pk: 'APPS', sk: `DRIFT#${app}` }),
  notification: (seq: string, id: string) => ({ pk: `NOTIFICATION#${seq}#${id}`, sk: 'NOTIFICATION' }),
  health: { pk: 'HEALTH', sk: 'HEALTH' },
};

export const appsPartition = 'APPS';
export const syncsByApp = (app: string): string => `SYNCS#${app}`;
export const allSyncs = 'SYNCS';
export const allDeliveries = 'DELIVERIES';

/** The attribute DynamoDB's TTL should be enabled on (the deployment turns it on). */
export const ttlAttribute = 'expiresAt';

/**
 * CreateTable input for this layout (on demand, without TTL: dynalite has no UpdateTimeToLive);
 * serverless.yml must declare the same keys and both indexes, and TTL on `expiresAt`.
 */
export function stateTableDefinition(tableName: string): CreateTableCommandInput {
  const index = (name: string) => ({
    IndexName: name,
    KeySchema: [{ AttributeName: `${name}pk`, KeyType: 'HASH' as const }, { AttributeName: `${name}sk`, KeyType: 'RANGE' as const }],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [index('gsi1'), index('gsi2')],
  };
}
