import { groupOf, isRecord } from '../core/objects.ts';
import type { KubeObject } from '../core/types.ts';
import { shortHash } from './hash.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * A Secret as diffs, plans, reports and logs may show it: key names and a hash of each value,
 * never the value (kubectl's last-applied annotation holds values too, so it is hashed as well).
 */
export function maskSecret(obj: KubeObject | undefined): KubeObject | undefined {
  if (!obj || obj.kind !== 'Secret' || groupOf(obj.apiVersion) !== '') return obj;
  const copy = structuredClone(obj);
  for (const field of ['data', 'stringData']) {
    const data = copy[field];
    if (!isRecord(data)) continue;
    copy[field] = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, `<hidden sha256:${shortHash(String(value))}>`]));
  }
  const annotations = copy.metadata.annotations;
  if (annotations?.[LAST_APPLIED] !== undefined) annotations[LAST_APPLIED] = `<hidden sha256:${shortHash(annotations[LAST_APPLIED])}>`;
  return copy;
}
