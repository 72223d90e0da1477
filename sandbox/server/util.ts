import { randomUUID } from 'node:crypto';
import type { Obj } from '../contracts.ts';

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

let lastSecond = NaN;
let lastStamp = '';
/** RFC 3339 with whole seconds, as metav1.Time marshals; every write stamps one, so the last is kept. */
export function rfc3339(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastStamp = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastStamp;
}

export function newUid(): string {
  return randomUUID();
}

const suffixChars = 'bcdfghjklmnpqrstvwxz2456789';
/** Five random characters, as the real server's names.SimpleNameGenerator appends. */
export function nameSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += suffixChars[Math.floor(Math.random() * suffixChars.length)];
  return out;
}

/**
 * Deep equality of JSON values, skipping keys for which `skip(path)` is true. A missing key and
 * one whose value is undefined are the same. Paths are only built when there is a `skip`.
 */
export function jsonEqual(a: unknown, b: unknown, skip?: (path: string) => boolean, path = ''): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    const itemPath = skip ? `${path}[]` : path;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i], skip, itemPath)) return false;
    return true;
  }
  if (isObj(a) && isObj(b)) {
    for (const k of Object.keys(a)) {
      if (skip) {
        const p = `${path}.${k}`;
        if (!skip(p) && !jsonEqual(a[k], b[k], skip, p)) return false;
      } else if (!jsonEqual(a[k], b[k])) return false;
    }
    for (const k of Object.keys(b)) {
      if (Object.prototype.hasOwnProperty.call(a, k) || b[k] === undefined) continue;
      if (!skip || !skip(`${path}.${k}`)) return false;
    }
    return true;
  }
  return false;
}

/** jsonEqual of two objects' own keys other than `except` (compared as if absent on both sides). */
export function jsonEqualExcept(a: Obj, b: Obj, except: (key: string) => boolean): boolean {
  for (const k of Object.keys(a)) if (!except(k) && !jsonEqual(a[k], b[k])) return false;
  for (const k of Object.keys(b)) if (!except(k) && !Object.prototype.hasOwnProperty.call(a, k) && b[k] !== undefined) return false;
  return true;
}

/** Removes the field at a path as unknownFields reports it (`.spec.containers[0].bar`). */
export function removePath(obj: Obj, path: string): void {
  const steps = [...path.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
  let cur: unknown = obj;
  for (let i = 0; i < steps.length - 1; i++) {
    const step = steps[i]!;
    cur = typeof step === 'number' ? (Array.isArray(cur) ? cur[step] : undefined) : isObj(cur) ? cur[step] : undefined;
    if (cur === undefined) return;
  }
  const last = steps[steps.length - 1];
  if (isObj(cur) && typeof last === 'string') delete cur[last];
}

export function getPath(obj: unknown, dotted: string): unknown {
  let cur = obj;
  for (const k of dotted.replace(/^\./, '').split('.')) cur = isObj(cur) ? cur[k] : undefined;
  return cur;
}

export function setPath(obj: Obj, dotted: string, value: unknown): void {
  const keys = dotted.replace(/^\./, '').split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (!isObj(cur[k])) cur[k] = {};
    cur = cur[k] as Obj;
  }
  cur[keys[keys.length - 1]!] = value;
}
