import { randomUUID } from 'node:crypto';
import type { Obj } from '../contracts.ts';

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
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

/** Deep equality of JSON values, skipping keys for which `skip(path)` is true. */
export function jsonEqual(a: unknown, b: unknown, skip?: (path: string) => boolean, path = ''): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i], skip, `${path}[]`));
  }
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const p = `${path}.${k}`;
      if (skip?.(p)) continue;
      if (!jsonEqual(a[k], b[k], skip, p)) return false;
    }
    return true;
  }
  return false;
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
