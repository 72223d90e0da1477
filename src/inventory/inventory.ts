import { gunzipSync, gzipSync, strFromU8, strToU8 } from 'fflate';
import { DriftlessError } from '../core/errors.ts';
import { isRecord, refKey } from '../core/objects.ts';
import type { Inventory, InventoryEntry, KubeObject } from '../core/types.ts';
import type { ClusterClient, ResourceType } from '../ports/cluster.ts';
import { FIELD_MANAGER, INVENTORY_LABEL } from '../core/labels.ts';

/**
 * One ConfigMap per app, `driftless-inventory-<app>` in the app's namespace, holds the identities
 * and applied-configuration hashes of everything driftless applied for the app (gzip-compressed
 * JSON: 500 objects take a few kilobytes). Never a last-applied annotation: those cap at 256 KB.
 *
 * It is rewritten only when its identity set (or a recorded apiVersion) changes, never just because
 * hashes changed: a sync that changes N objects writes exactly N objects. The current hash of each
 * object rides on the object itself (driftless.dev/applied-hash, in the same apply patch) and is
 * what no-op detection reads; the hashes here are those of the last identity change, kept for
 * prune safety (what driftless created) and drift reports, not for deciding what to apply; its
 * revision is likewise that of the last write.
 */
const DATA_KEY = 'inventory.json.gz';

export const configMapType: ResourceType = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };

export function inventoryName(app: string): string {
  return `driftless-inventory-${app}`;
}

type Row = [group: string, kind: string, namespace: string, name: string, apiVersion: string, hash: string];

export function encodeInventory(inventory: Inventory, namespace: string): KubeObject {
  const rows: Row[] = [...inventory.entries]
    .sort((a, b) => refKey(a.ref).localeCompare(refKey(b.ref)))
    .map((e) => [e.ref.group, e.ref.kind, e.ref.namespace ?? '', e.ref.name, e.apiVersion, e.appliedHash]);
  const body = JSON.stringify({ v: 1, app: inventory.app, revision: inventory.revision, entries: rows });
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: inventoryName(inventory.app), namespace, labels: { [INVENTORY_LABEL]: inventory.app } },
    binaryData: { [DATA_KEY]: Buffer.from(gzipSync(strToU8(body))).toString('base64') },
  };
}

export function decodeInventory(obj: KubeObject, app: string): Inventory {
  const binary = isRecord(obj.binaryData) ? obj.binaryData[DATA_KEY] : undefined;
  if (typeof binary !== 'string') throw new DriftlessError('OWNERSHIP_CONFLICT', `ConfigMap ${obj.metadata.namespace}/${obj.metadata.name} is not a driftless inventory (no ${DATA_KEY}); rename or delete it`, { object: `ConfigMap ${obj.metadata.namespace}/${obj.metadata.name}` });
  const parsed = JSON.parse(strFromU8(gunzipSync(Buffer.from(binary, 'base64')))) as { app: string; revision?: Inventory['revision']; entries: Row[] };
  if (parsed.app !== app) throw new DriftlessError('OWNERSHIP_CONFLICT', `inventory ${obj.metadata.name} belongs to app "${parsed.app}", not "${app}"`, { object: `ConfigMap ${obj.metadata.namespace}/${obj.metadata.name}` });
  const entries: InventoryEntry[] = parsed.entries.map(([group, kind, namespace, name, apiVersion, appliedHash]) => ({
    ref: namespace ? { group, kind, namespace, name } : { group, kind, name },
    apiVersion,
    appliedHash,
  }));
  return parsed.revision ? { app, revision: parsed.revision, entries } : { app, entries };
}

export async function readInventory(cluster: ClusterClient, app: string, namespace: string): Promise<Inventory | undefined> {
  const obj = await cluster.get(configMapType, inventoryName(app), namespace);
  return obj ? decodeInventory(obj, app) : undefined;
}

export async function writeInventory(cluster: ClusterClient, inventory: Inventory, namespace: string): Promise<void> {
  await cluster.apply(configMapType, encodeInventory(inventory, namespace), { fieldManager: FIELD_MANAGER, force: true });
}

/** Same identities and apiVersions (order aside, hashes ignored): then the sync need not write the inventory. */
export function sameIdentities(a: InventoryEntry[], b: InventoryEntry[]): boolean {
  if (a.length !== b.length) return false;
  const index = new Map(a.map((e) => [refKey(e.ref), e.apiVersion]));
  return b.every((e) => index.get(refKey(e.ref)) === e.apiVersion);
}

/** Same identities and hashes (order aside). */
export function sameEntries(a: InventoryEntry[], b: InventoryEntry[]): boolean {
  if (a.length !== b.length) return false;
  const index = new Map(a.map((e) => [refKey(e.ref), `${e.apiVersion} ${e.appliedHash}`]));
  return b.every((e) => index.get(refKey(e.ref)) === `${e.apiVersion} ${e.appliedHash}`);
}
