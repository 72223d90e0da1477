import { isIP } from 'node:net';
import type { Environment } from '@marcbachmann/cel-js';
import { parseQuantity, quantityError } from '../../schema/quantity.ts';

/**
 * The Kubernetes CEL libraries (apiserver/pkg/cel/library: lists, regex, urls, quantity, ip/cidr)
 * and the cel-go string extensions cel-js lacks, registered on a cel-js Environment. Integers are
 * BigInts, as cel-js represents CEL `int`.
 */

type Scalar = bigint | number | string | boolean;

/** A runtime failure, reported as cel-go words it (`evaluation error: …` is added by the caller). */
class CelRuntimeError extends Error {}

function compare(a: unknown, b: unknown): number {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new CelRuntimeError('no such overload');
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'bigint') return a === Number(b);
  if (typeof a !== 'object' || a === null) return a === b;
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) === JSON.stringify(b, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

function extreme(list: unknown[], sign: number, name: string): unknown {
  if (list.length === 0) throw new CelRuntimeError(`${name} called on empty list`);
  return list.reduce((best, v) => (compare(v, best) * sign > 0 ? v : best));
}

/** The receiver that makes `sets.contains(…)` a method call, cel-js having no namespaced functions. */
class SetsLibrary {}

/** Kubernetes' Quantity CEL type (library/quantity.go), on the sandbox's float-backed quantities. */
export class CelQuantity {
  constructor(readonly value: number) {}
}

/** Kubernetes' URL CEL type (library/urls.go). */
export class CelURL {
  constructor(readonly url: URL, readonly raw: string) {}
}

/** Kubernetes' IP and CIDR CEL types (library/ip.go, cidr.go), the parts rules use. */
export class CelIP {
  constructor(readonly address: string) {}
}
export class CelCIDR {
  constructor(readonly address: string, readonly prefix: number) {}
}

function toQuantity(s: string): CelQuantity {
  const err = quantityError(s);
  const q = err ? undefined : parseQuantity(s);
  if (!q) throw new CelRuntimeError(err ?? 'quantities must match the regular expression');
  return new CelQuantity(q.milli / 1000);
}

function toUrl(s: string): CelURL {
  // url.ParseRequestURI: an absolute URI or an absolute path.
  try {
    if (s.startsWith('/')) return new CelURL(new URL(s, 'http://relative.invalid'), s);
    const u = new URL(s);
    return new CelURL(u, s);
  } catch {
    throw new CelRuntimeError(`URL parse error during conversion from string: parse "${s}": invalid URI for request`);
  }
}

function parseCidr(s: string): CelCIDR | undefined {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const family = isIP(m[1]!);
  const prefix = Number(m[2]);
  if (!family || prefix > (family === 4 ? 32 : 128)) return undefined;
  return new CelCIDR(m[1]!, prefix);
}

function regex(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch (err) {
    throw new CelRuntimeError(`error parsing regexp: ${(err as Error).message}`);
  }
}

/** A value as `%s` prints it (cel-go ext.Strings): lists and maps in CEL literal form. */
function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(formatQuoted).join(', ')}]`;
  if (v instanceof Map) return `{${[...v.entries()].map(([k, x]) => `${formatQuoted(k)}: ${formatQuoted(x)}`).sort().join(', ')}}`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${formatQuoted(k)}: ${formatQuoted(x)}`).sort().join(', ')}}`;
  return String(v);
}
const formatQuoted = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : formatValue(v));

/** cel-go's `string.format(list)`: %s, %d, %f/%e with precision, %x/%X, %o, %b and %%. */
function format(pattern: string, args: unknown[]): string {
  let i = 0;
  return pattern.replace(/%(?:\.(\d+))?([sdfeExXob%])/g, (_m, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) throw new CelRuntimeError(`index ${i} out of range`);
    const v = args[i++];
    const num = (): number => {
      if (typeof v === 'bigint' || typeof v === 'number') return Number(v);
      throw new CelRuntimeError(`error during formatting: ${verb === 'd' ? 'decimal' : 'fixed-point'} clause can only be used on numbers, was given ${typeof v === 'string' ? 'string' : typeof v}`);
    };
    switch (verb) {
      case 's': return formatValue(v);
      case 'd': {
        if (typeof v === 'bigint') return String(v);
        return String(Math.trunc(num()));
      }
      case 'f': return num().toFixed(precision === undefined ? 6 : Number(precision));
      case 'e': case 'E': { const t = num().toExponential(precision === undefined ? 6 : Number(precision)).replace(/e([+-])(\d)$/, 'e$10$2'); return verb === 'E' ? t.toUpperCase() : t; }
      case 'x': case 'X': { const t = typeof v === 'string' ? Buffer.from(v).toString('hex') : BigInt(Math.trunc(num())).toString(16); return verb === 'X' ? t.toUpperCase() : t; }
      case 'o': return BigInt(Math.trunc(num())).toString(8);
      default: return BigInt(Math.trunc(num())).toString(2);
    }
  });
}

export function registerKubernetesLibraries(env: Environment): void {
  // cel-go ext.Strings (version 2 as Kubernetes 1.34 enables it), the parts cel-js does not have.
  env.registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
    const chars = [...s];
    if (i < 0n || i > BigInt(chars.length)) throw new CelRuntimeError(`index out of range: ${i}`);
    return chars[Number(i)] ?? '';
  });
  env.registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b));
  env.registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
    if (n < 0n) return s.split(a).join(b);
    let out = s;
    let from = 0;
    for (let i = 0n; i < n; i++) {
      const at = out.indexOf(a, from);
      if (at < 0) break;
      out = out.slice(0, at) + b + out.slice(at + a.length);
      from = at + b.length;
    }
    return out;
  });
  env.registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''));
  env.registerFunction('string.format(list): string', format);

  // Kubernetes' lists library.
  env.registerFunction('list.isSorted(): bool', (l: unknown[]) => l.every((v, i) => i === 0 || compare(l[i - 1], v) <= 0));
  env.registerFunction('list.sum(): dyn', (l: unknown[]) => {
    if (l.length === 0) return 0n;
    return l.reduce((a, b) => {
      if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
      if (typeof a === 'number' && typeof b === 'number') return a + b;
      throw new CelRuntimeError('no such overload');
    });
  });
  env.registerFunction('list.min(): dyn', (l: unknown[]) => extreme(l, -1, 'min'));
  env.registerFunction('list.max(): dyn', (l: unknown[]) => extreme(l, 1, 'max'));
  env.registerFunction('list.indexOf(dyn): int', (l: unknown[], v: unknown) => BigInt(l.findIndex((x) => equal(x, v))));
  env.registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], v: unknown) => {
    for (let i = l.length - 1; i >= 0; i--) if (equal(l[i], v)) return BigInt(i);
    return -1n;
  });

  // cel-go ext.Sets: a constant `sets` whose methods are the library's functions.
  env.registerType('k8s.SetsLibrary', SetsLibrary);
  env.registerConstant('sets', 'k8s.SetsLibrary', new SetsLibrary());
  const has = (l: unknown[], v: unknown): boolean => l.some((x) => equal(x, v));
  env.registerFunction('k8s.SetsLibrary.contains(list, list): bool', (_s: SetsLibrary, a: unknown[], b: unknown[]) => b.every((v) => has(a, v)));
  env.registerFunction('k8s.SetsLibrary.equivalent(list, list): bool', (_s: SetsLibrary, a: unknown[], b: unknown[]) => b.every((v) => has(a, v)) && a.every((v) => has(b, v)));
  env.registerFunction('k8s.SetsLibrary.intersects(list, list): bool', (_s: SetsLibrary, a: unknown[], b: unknown[]) => b.some((v) => has(a, v)));

  // Kubernetes' regex library.
  env.registerFunction('string.find(string): string', (s: string, p: string) => regex(p).exec(s)?.[0] ?? '');
  env.registerFunction('string.findAll(string): list<string>', (s: string, p: string) => [...s.matchAll(new RegExp(regex(p).source, 'gu'))].map((m) => m[0]));
  env.registerFunction('string.findAll(string, int): list<string>', (s: string, p: string, n: bigint) => {
    const all = [...s.matchAll(new RegExp(regex(p).source, 'gu'))].map((m) => m[0]);
    return n < 0n ? all : all.slice(0, Number(n));
  });

  // Kubernetes' URLs library.
  env.registerType('URL', CelURL);
  env.registerFunction('url(string): URL', toUrl);
  env.registerFunction('isURL(string): bool', (s: string) => {
    try { toUrl(s); return true; } catch { return false; }
  });
  env.registerFunction('URL.getScheme(): string', (u: CelURL) => (u.raw.startsWith('/') ? '' : u.url.protocol.replace(/:$/, '')));
  env.registerFunction('URL.getHost(): string', (u: CelURL) => (u.raw.startsWith('/') ? '' : u.url.host));
  env.registerFunction('URL.getHostname(): string', (u: CelURL) => (u.raw.startsWith('/') ? '' : u.url.hostname.replace(/^\[|\]$/g, '')));
  env.registerFunction('URL.getPort(): string', (u: CelURL) => (u.raw.startsWith('/') ? '' : u.url.port));
  env.registerFunction('URL.getEscapedPath(): string', (u: CelURL) => u.url.pathname);
  env.registerFunction('URL.getQuery(): map', (u: CelURL) => {
    const out: Record<string, string[]> = {};
    for (const [k, v] of u.url.searchParams) (out[k] ??= []).push(v);
    return out;
  });

  // Kubernetes' quantity library.
  env.registerType('Quantity', CelQuantity);
  env.registerFunction('quantity(string): Quantity', toQuantity);
  env.registerFunction('isQuantity(string): bool', (s: string) => quantityError(s) === undefined);
  env.registerFunction('Quantity.sign(): int', (q: CelQuantity) => BigInt(Math.sign(q.value)));
  env.registerFunction('Quantity.isInteger(): bool', (q: CelQuantity) => Number.isInteger(q.value));
  env.registerFunction('Quantity.asInteger(): int', (q: CelQuantity) => {
    if (!Number.isInteger(q.value) || !Number.isSafeInteger(q.value)) throw new CelRuntimeError('cannot convert value to integer');
    return BigInt(q.value);
  });
  env.registerFunction('Quantity.asApproximateFloat(): double', (q: CelQuantity) => q.value);
  env.registerFunction('Quantity.isGreaterThan(Quantity): bool', (a: CelQuantity, b: CelQuantity) => a.value > b.value);
  env.registerFunction('Quantity.isLessThan(Quantity): bool', (a: CelQuantity, b: CelQuantity) => a.value < b.value);
  env.registerFunction('Quantity.compareTo(Quantity): int', (a: CelQuantity, b: CelQuantity) => BigInt(Math.sign(a.value - b.value)));
  env.registerFunction('Quantity.add(Quantity): Quantity', (a: CelQuantity, b: CelQuantity) => new CelQuantity(a.value + b.value));
  env.registerFunction('Quantity.add(int): Quantity', (a: CelQuantity, b: bigint) => new CelQuantity(a.value + Number(b)));
  env.registerFunction('Quantity.sub(Quantity): Quantity', (a: CelQuantity, b: CelQuantity) => new CelQuantity(a.value - b.value));
  env.registerFunction('Quantity.sub(int): Quantity', (a: CelQuantity, b: bigint) => new CelQuantity(a.value - Number(b)));
  env.registerOperator('Quantity == Quantity', (a: CelQuantity, b: CelQuantity) => a.value === b.value);

  // Kubernetes' IP and CIDR libraries (the common checks).
  env.registerType('net.IP', CelIP);
  env.registerType('net.CIDR', CelCIDR);
  env.registerFunction('isIP(string): bool', (s: string) => isIP(s) !== 0);
  env.registerFunction('ip(string): net.IP', (s: string) => {
    if (!isIP(s)) throw new CelRuntimeError(`IP Address "${s}" parse error during conversion from string: ParseAddr("${s}"): unable to parse IP`);
    return new CelIP(s);
  });
  env.registerFunction('net.IP.family(): int', (ip: CelIP) => BigInt(isIP(ip.address)));
  env.registerFunction('isCIDR(string): bool', (s: string) => parseCidr(s) !== undefined);
  env.registerFunction('cidr(string): net.CIDR', (s: string) => {
    const c = parseCidr(s);
    if (!c) throw new CelRuntimeError(`network address parse error during conversion from string: netip.ParsePrefix("${s}"): bad prefix`);
    return c;
  });
  env.registerFunction('net.CIDR.ip(): net.IP', (c: CelCIDR) => new CelIP(c.address));
  env.registerFunction('net.CIDR.prefixLength(): int', (c: CelCIDR) => BigInt(c.prefix));
}

export type { Scalar };
export { CelRuntimeError };
