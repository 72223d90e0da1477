import { isRecord } from '../core/objects.ts';
import type { KubeObject } from '../core/types.ts';

/**
 * Whether every field of `desired` holds the same value in `live` (server defaults in live are
 * fine). Lists compare positionally and must have the same length: when unsure, not a subset,
 * which only costs a dry run.
 */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === null || desired === undefined) return live === null || live === undefined || isEmpty(live);
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((item, i) => isSubset(item, live[i]));
  }
  if (isRecord(desired)) {
    if (!isRecord(live)) return false;
    return Object.entries(desired).every(([key, value]) => isSubset(value, live[key]));
  }
  // The server stores quantities as strings (cpu: 1 → "1"); the same digits are the same value.
  if (typeof desired === 'number' && typeof live === 'string') return String(desired) === live;
  return desired === live;
}

function isEmpty(value: unknown): boolean {
  return (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0);
}

/** The object without what the server changes on every write or what apply never touches. */
export function comparable(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  delete copy.status;
  const meta = copy.metadata;
  delete meta.resourceVersion;
  delete meta.managedFields;
  delete meta.generation;
  return copy;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isRecord(a)) {
    if (!isRecord(b)) return false;
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === otherKeys.length && keys.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** The field that identifies each item of a list (containers by name, ports by port...), if one does. */
export function keyedBy(items: unknown[]): string | undefined {
  for (const key of ['name', 'containerPort', 'port', 'mountPath', 'devicePath', 'ip']) {
    if (items.length > 0 && items.every((item) => isRecord(item) && item[key] !== undefined)) {
      const values = items.map((item) => String((item as Record<string, unknown>)[key]));
      if (new Set(values).size === values.length) return key;
    }
  }
  return undefined;
}

/**
 * Path-by-path differences from `before` to `after`: "~ path: old → new", "+ path: value",
 * "- path". Both sides come from the same server, so its defaults cancel out.
 */
export function diffLines(before: unknown, after: unknown, path = '', out: string[] = []): string[] {
  if (deepEqual(before, after)) return out;
  const at = path || '.';
  if (before === undefined) {
    out.push(`+ ${at}: ${show(after)}`);
  } else if (after === undefined) {
    out.push(`- ${at}: ${show(before)}`);
  } else if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) diffLines(before[key], after[key], path ? `${path}.${key}` : key, out);
  } else if (Array.isArray(before) && Array.isArray(after)) {
    const key = keyedBy(before) && keyedBy(after) === keyedBy(before) ? keyedBy(before) : undefined;
    if (key) {
      const byKey = (items: unknown[]): Map<string, unknown> => new Map(items.map((item) => [String((item as Record<string, unknown>)[key]), item]));
      const b = byKey(before);
      const a = byKey(after);
      for (const id of new Set([...b.keys(), ...a.keys()])) diffLines(b.get(id), a.get(id), `${path}[${key}=${id}]`, out);
    } else {
      for (let i = 0; i < Math.max(before.length, after.length); i++) diffLines(before[i], after[i], `${path}[${i}]`, out);
    }
  } else {
    out.push(`~ ${at}: ${show(before)} → ${show(after)}`);
  }
  return out;
}
