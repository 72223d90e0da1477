import type { Obj } from '../contracts.ts';
import { cloneJson } from '../json.ts';

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `key`, created empty when missing (defaulting writes into nested structs). */
export function child(o: Obj, key: string): Obj {
  const v = o[key];
  if (isObj(v)) return v;
  const fresh: Obj = {};
  o[key] = fresh;
  return fresh;
}

export function get(o: unknown, ...path: string[]): unknown {
  let cur: unknown = o;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

export function objAt(o: unknown, ...path: string[]): Obj | undefined {
  const v = get(o, ...path);
  return isObj(v) ? v : undefined;
}

export function listAt(o: unknown, ...path: string[]): Obj[] {
  const v = get(o, ...path);
  return Array.isArray(v) ? v.filter(isObj) : [];
}

export function str(o: unknown, ...path: string[]): string | undefined {
  const v = get(o, ...path);
  return typeof v === 'string' ? v : undefined;
}

export function num(o: unknown, ...path: string[]): number | undefined {
  const v = get(o, ...path);
  return typeof v === 'number' ? v : undefined;
}

/** Sets `key` only when absent (null counts as absent, as a nil pointer does in Go). */
export function dflt(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

export function clone<T>(v: T): T {
  return cloneJson(v);
}

/** JSON with sorted keys, as Go's encoding/json renders maps. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObj(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/**
 * Whether two values render the same canonical JSON (keys in any order, undefined members left
 * out, undefined and null alike elsewhere), without rendering them.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObj(a)) {
    if (!isObj(b)) return false;
    let count = 0;
    for (const k of Object.keys(a)) {
      if (a[k] === undefined) continue;
      count++;
      if (b[k] === undefined || !deepEqual(a[k], b[k])) return false;
    }
    for (const k of Object.keys(b)) if (b[k] !== undefined) count--;
    return count === 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// k8s.io/apimachinery/pkg/util/rand.SafeEncodeString: no vowels, so hashes never spell words.
const alphanums = 'bcdfghjklmnpqrstvwxz2456789';
export function safeEncode(s: string): string {
  let out = '';
  for (const ch of Buffer.from(s, 'utf8')) out += alphanums[ch % alphanums.length];
  return out;
}

/** A pod-template-hash style name suffix for any value. */
export function hashOf(v: unknown, collisionCount = 0): string {
  return safeEncode(String(fnv32a(canonical(v) + (collisionCount ? `#${collisionCount}` : ''))));
}

export function labelsOf(o: unknown): Record<string, string> {
  const l = get(o, 'metadata', 'labels');
  const out: Record<string, string> = {};
  if (isObj(l)) for (const [k, v] of Object.entries(l)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** metav1.LabelSelector matching, matchLabels and matchExpressions. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  const ml = objAt(selector, 'matchLabels') ?? {};
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  for (const e of listAt(selector, 'matchExpressions')) {
    const key = str(e, 'key') ?? '';
    const values = Array.isArray(e.values) ? (e.values as unknown[]).map(String) : [];
    const has = key in labels;
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[key]!)) return false; break;
      case 'NotIn': if (has && values.includes(labels[key]!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

export function selectorIsEmpty(selector: unknown): boolean {
  return Object.keys(objAt(selector, 'matchLabels') ?? {}).length === 0 && listAt(selector, 'matchExpressions').length === 0;
}

/** The group of an apiVersion ("apps/v1" → "apps", "v1" → ""). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** The tag of an image reference ("repo:tag@sha256:…" → "tag"; none → undefined). */
export function imageTag(image: string): string | undefined {
  const noDigest = image.split('@')[0] ?? '';
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  const i = last.indexOf(':');
  return i < 0 ? undefined : last.slice(i + 1);
}

/** Resolves an int-or-percent against a total, rounding as intstr.GetScaledValueFromIntOrPercent. */
export function scaled(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const pct = Number(v.slice(0, -1));
    const raw = (pct * total) / 100;
    return roundUp ? Math.ceil(raw) : Math.floor(raw);
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return 0;
}
