import { createHash } from 'node:crypto';
import type { Keyring } from '../core/keyring.ts';
import { groupOf } from '../core/objects.ts';
import type { KubeObject } from '../core/types.ts';

/** JSON with sorted keys, so equal objects hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Hash of a configuration as driftless applied it: what the inventory records. */
export function configHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 22);
}

/**
 * The applied hash an object carries (driftless.dev/applied-hash) and the inventory records. A
 * Secret's is keyed (HMAC with the signing key), so that whoever can read the annotation or the
 * inventory cannot test guesses of its values; the same key gives the same hash (no-op detection
 * works), and a new key only makes each Secret look changed once (one re-apply). Other kinds keep
 * a plain hash, so a key rotation does not re-apply everything.
 */
export function appliedHash(obj: KubeObject, keyring: Keyring): string {
  if (obj.kind === 'Secret' && groupOf(obj.apiVersion) === '') return keyring.mac('applied-hash', canonicalJson(obj)).slice(0, 22);
  return configHash(obj);
}
