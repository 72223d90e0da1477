import type { Obj, SchemaNode } from '../contracts.ts';
import type { FieldSet } from './fieldset.ts';
import { cloneJson } from '../json.ts';
import { isObj } from './schema-walk.ts';
import { compare, toFieldSet } from './typed.ts';

/**
 * Compatibility between client-side `kubectl apply` (the last-applied annotation) and server-side
 * apply by the manager `kubectl` (lastappliedmanager.go, lastappliedupdater.go).
 */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function lastApplied(obj: Obj | undefined): string | undefined {
  const meta = obj?.['metadata'];
  const annotations = isObj(meta) ? meta['annotations'] : undefined;
  const value = isObj(annotations) ? annotations[LAST_APPLIED] : undefined;
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Conflicting fields `kubectl` may take over anyway: those its last client-side apply set and that
 * still hold that value. Undefined when the annotation is missing or unusable.
 */
export function allowedConflicts(live: Obj, schema: SchemaNode | undefined, apiVersion: string): FieldSet | undefined {
  const raw = lastApplied(live);
  if (!raw) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObj(last) || last['apiVersion'] !== apiVersion) return undefined;
  try {
    const cmp = compare(last, live, schema);
    return toFieldSet(last, schema).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
  } catch {
    return undefined;
  }
}

/** A JSON string as Go's encoding/json writes it (HTML-safe escapes). */
function goString(s: string): string {
  const escapes: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => escapes[c] ?? c);
}

/** Go's encoding/json of a map: keys sorted at every level. */
function sortedJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJSON).join(',')}]`;
  if (isObj(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${goString(k)}:${sortedJSON(value[k])}`).join(',')}}`;
  }
  return typeof value === 'string' ? goString(value) : JSON.stringify(value);
}

/** After a server-side apply by `kubectl`, an existing annotation follows the applied configuration. */
export function updateLastApplied(result: Obj, applied: Obj): Obj {
  if (!lastApplied(result)) return result;
  const config = cloneJson(applied);
  const meta = config['metadata'];
  if (isObj(meta) && isObj(meta['annotations'])) delete meta['annotations'][LAST_APPLIED];
  const resultMeta = result['metadata'] as Obj;
  const annotations = { ...(resultMeta['annotations'] as Obj), [LAST_APPLIED]: `${sortedJSON(config)}\n` };
  return { ...result, metadata: { ...resultMeta, annotations } };
}
