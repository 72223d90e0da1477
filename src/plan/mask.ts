import { groupOf, isRecord } from '../core/objects.ts';
import type { KubeObject } from '../core/types.ts';
import { createHmac, randomBytes } from 'node:crypto';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

// A plain hash of a short password can be reversed by trying candidates; a keyed hash with a key that
// lives only in this process still shows, within one diff or report, whether a value changed.
const maskKey = randomBytes(32);
const fingerprint = (value: string): string => `<hidden hmac-sha256:${createHmac('sha256', maskKey).update(value).digest('hex').slice(0, 12)}>`;

/**
 * A Secret as diffs, plans, reports and logs may show it: key names and a keyed hash of each value,
 * never the value (kubectl's last-applied annotation holds values too, so it is hashed as well).
 */
export function maskSecret(obj: KubeObject | undefined): KubeObject | undefined {
  if (!obj || obj.kind !== 'Secret' || groupOf(obj.apiVersion) !== '') return obj;
  const copy = structuredClone(obj);
  for (const field of ['data', 'stringData']) {
    const data = copy[field];
    if (!isRecord(data)) continue;
    copy[field] = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, fingerprint(String(value))]));
  }
  const annotations = copy.metadata.annotations;
  if (annotations?.[LAST_APPLIED] !== undefined) annotations[LAST_APPLIED] = fingerprint(annotations[LAST_APPLIED]);
  return copy;
}
