import { gunzipSync, gzipSync, strFromU8, strToU8 } from 'fflate';
import { DriftlessError } from '../core/errors.ts';
import type { Keyring } from '../core/keyring.ts';
import { refProblem } from '../core/names.ts';
import { isRecord, refKey } from '../core/objects.ts';
import type { Inventory, InventoryEntry, KubeObject, ObjectRef } from '../core/types.ts';
import type { ClusterClient, ResourceType } from '../ports/cluster.ts';
import { FIELD_MANAGER, INVENTORY_LABEL, INVENTORY_MAC_ANNOTATION, INVENTORY_NAME_PREFIX } from '../core/labels.ts';

/**
 * One ConfigMap per app, `driftless-inventory-<app>` in the app's namespace, holds the identities
 * (with uids) and applied-configuration hashes of everything driftless applied for the app
 * (gzip-compressed JSON: 500 objects take a few kilobytes). Never a last-applied annotation: those
 * cap at 256 KB.
 *
 * Trust: anyone who can write ConfigMaps in the namespace (another app, a user) can write one with
 * this name and these labels, and prune deletes what the inventory names. So an inventory counts
 * only with a valid HMAC (the signing key, purpose "inventory") over its namespace, name and data,
 * checked before the data is even decompressed; every name in it must also pass the server's name
 * rules. Anything else is INVENTORY_UNTRUSTED: never used for pruning, never overwritten (see
 * src/sync/sync.ts).
 *
 * It is rewritten only when its identity set (identities, apiVersions, uids) changes, a sync
 * applied a new revision, or it was signed with a previous key, never just because hashes
 * changed: a sync of a new revision that changes N objects writes N objects plus this one, and a
 * resync of the same revision writes nothing. The current hash of each object rides on the object
 * itself (driftless.dev/applied-hash, in the same apply patch) and is what no-op detection reads.
 * Its `revision` is the last one a sync applied completely (a sync whose applies failed keeps the
 * previous one): the last synced revision that drift checks (src/drift) render and compare
 * against, signed with the rest, so every runner reads the same answer from the cluster.
 */
const DATA_KEY = 'inventory.json.gz';
const FORMAT = 2;

export const configMapType: ResourceType = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };

export function inventoryName(app: string): string {
  return `${INVENTORY_NAME_PREFIX}${app}`;
}

type Row = [group: string, kind: string, namespace: string, name: string, apiVersion: string, hash: string, uid: string];

/** The bytes the checksum covers: where the inventory lives and exactly what it holds. */
function macInput(namespace: string, name: string, data: string): string {
  return `v${FORMAT}\n${namespace}\n${name}\n${data}`;
}

export function encodeInventory(inventory: Inventory, namespace: string, keyring: Keyring): KubeObject {
  const rows: Row[] = [...inventory.entries]
    .sort((a, b) => refKey(a.ref).localeCompare(refKey(b.ref)))
    .map((e) => [e.ref.group, e.ref.kind, e.ref.namespace ?? '', e.ref.name, e.apiVersion, e.appliedHash, e.uid ?? '']);
  const body = JSON.stringify({ v: FORMAT, app: inventory.app, namespace, revision: inventory.revision, entries: rows });
  const data = Buffer.from(gzipSync(strToU8(body))).toString('base64');
  const name = inventoryName(inventory.app);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { [INVENTORY_LABEL]: inventory.app }, annotations: { [INVENTORY_MAC_ANNOTATION]: keyring.mac('inventory', macInput(namespace, name, data)) } },
    binaryData: { [DATA_KEY]: data },
  };
}

function untrusted(namespace: string, name: string, why: string): DriftlessError {
  return new DriftlessError('INVENTORY_UNTRUSTED', `inventory ConfigMap ${namespace}/${name} ${why}; it was not used and nothing was pruned (it is left in place)`, { object: `ConfigMap ${namespace}/${name}` });
}

const whoWroteIt = (namespace: string, name: string): string => `check who wrote it (its metadata.managedFields), then delete it (kubectl delete configmap -n ${namespace} ${name}): the next sync records the app afresh, and objects removed from Git in the meantime are left for you to delete`;

function decodeRow(row: unknown): InventoryEntry | undefined {
  if (!Array.isArray(row) || row.length !== 7 || !row.every((cell) => typeof cell === 'string')) return undefined;
  const [group, kind, namespace, name, apiVersion, appliedHash, uid] = row as Row;
  const ref: ObjectRef = namespace ? { group, kind, namespace, name } : { group, kind, name };
  if (!kind || !apiVersion || refProblem(ref)) return undefined;
  return uid ? { ref, apiVersion, appliedHash, uid } : { ref, apiVersion, appliedHash };
}

/**
 * The app's inventory, if the ConfigMap is one driftless wrote with a configured key for this app
 * and this namespace. Throws INVENTORY_UNTRUSTED (saying what to do) otherwise.
 */
export function decodeInventory(obj: KubeObject, app: string, namespace: string, keyring: Keyring): Inventory {
  const name = inventoryName(app);
  const data = isRecord(obj.binaryData) ? obj.binaryData[DATA_KEY] : undefined;
  const mac = obj.metadata.annotations?.[INVENTORY_MAC_ANNOTATION];
  if (typeof data !== 'string') throw untrusted(namespace, name, `is not a driftless inventory (no ${DATA_KEY}); ${whoWroteIt(namespace, name)}`);
  if (!mac) throw untrusted(namespace, name, `carries no ${INVENTORY_MAC_ANNOTATION} checksum, so driftless cannot tell who wrote it (a driftless before keyed inventories, or someone else); ${whoWroteIt(namespace, name)}`);
  const verified = keyring.verify('inventory', macInput(namespace, name, data), mac);
  if (!verified) throw untrusted(namespace, name, `has a checksum that no configured signing key matches. If the signing key was rotated, add the old key under signing.previousKeys; if not, someone else wrote it: ${whoWroteIt(namespace, name)}`);
  // Verified: written by a driftless holding the key. Still checked, so that no bug or leaked key becomes a request.
  let parsed: unknown;
  try {
    parsed = JSON.parse(strFromU8(gunzipSync(Buffer.from(data, 'base64'))));
  } catch {
    throw untrusted(namespace, name, `has a valid checksum but data that is not an inventory; ${whoWroteIt(namespace, name)}`);
  }
  if (!isRecord(parsed) || parsed.v !== FORMAT || parsed.app !== app || parsed.namespace !== namespace || !Array.isArray(parsed.entries)) {
    throw untrusted(namespace, name, `has a valid checksum but is not the inventory of app "${app}" in namespace ${namespace}; ${whoWroteIt(namespace, name)}`);
  }
  const entries: InventoryEntry[] = [];
  for (const row of parsed.entries) {
    const entry = decodeRow(row);
    if (!entry) throw untrusted(namespace, name, `has a valid checksum but an entry that is no valid object identity (${JSON.stringify(row).slice(0, 120)}); ${whoWroteIt(namespace, name)}`);
    entries.push(entry);
  }
  const revision = isRecord(parsed.revision) && typeof parsed.revision.ref === 'string' && typeof parsed.revision.sha === 'string' ? { ref: parsed.revision.ref, sha: parsed.revision.sha } : undefined;
  return { app, ...(revision ? { revision } : {}), entries, ...(verified === 'previous' ? { signedWithPreviousKey: true } : {}) };
}

/** The app's trusted inventory; undefined when there is none. Throws INVENTORY_UNTRUSTED for one that cannot be trusted. */
export async function readInventory(cluster: ClusterClient, app: string, namespace: string, keyring: Keyring): Promise<Inventory | undefined> {
  const obj = await cluster.get(configMapType, inventoryName(app), namespace);
  return obj ? decodeInventory(obj, app, namespace, keyring) : undefined;
}

export async function writeInventory(cluster: ClusterClient, inventory: Inventory, namespace: string, keyring: Keyring): Promise<void> {
  await cluster.apply(configMapType, encodeInventory(inventory, namespace, keyring), { fieldManager: FIELD_MANAGER, force: true });
}

const identity = (e: InventoryEntry): string => `${e.apiVersion} ${e.uid ?? ''}`;

/** Same identities, apiVersions and uids (order aside, hashes ignored): then the sync need not write the inventory. */
export function sameIdentities(a: InventoryEntry[], b: InventoryEntry[]): boolean {
  if (a.length !== b.length) return false;
  const index = new Map(a.map((e) => [refKey(e.ref), identity(e)]));
  return b.every((e) => index.get(refKey(e.ref)) === identity(e));
}

/** Same identities and hashes (order aside). */
export function sameEntries(a: InventoryEntry[], b: InventoryEntry[]): boolean {
  if (a.length !== b.length) return false;
  const index = new Map(a.map((e) => [refKey(e.ref), `${identity(e)} ${e.appliedHash}`]));
  return b.every((e) => index.get(refKey(e.ref)) === `${identity(e)} ${e.appliedHash}`);
}
