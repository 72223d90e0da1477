/**
 * Which remote bases kustomize may fetch for an app (`allowRemote`):
 * - `false` (default): none.
 * - `true`: any https URL (and the `github.com/org/repo` shorthand, which kustomize fetches over https).
 * - a list of URL prefixes: only references that start with one of them. https only, unless a
 *   prefix itself names another scheme (`ssh://…`, `git@host:org/`, `http://…`).
 * Always refused, whatever the setting: `file://` (it would read the worker's own disk) and
 * loopback, private and link-local addresses and `localhost` (the worker's network is not the
 * repository's to explore). Names are checked as written: a public name that resolves to a
 * private address is not caught here.
 */
export type RemotePolicy = boolean | readonly string[];

interface Parsed {
  /** Normalised form compared against prefixes. */
  normalized: string;
  scheme: string;
  host: string;
}

const scpLike = /^([\w.-]+)@([\w.-]+|\[[0-9a-f:.]+\]):(.*)$/i;

/** A reference as kustomize reads it, normalised (scheme, host case, dot segments) so that prefixes cannot be dodged. */
function parse(reference: string): Parsed | undefined {
  const entry = reference.startsWith('git::') ? reference.slice(5) : reference;
  const scp = scpLike.exec(entry);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
    const host = (scp[2] ?? '').toLowerCase();
    return { normalized: `${scp[1]}@${host}:${scp[3] ?? ''}`, scheme: 'ssh', host };
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `https://${entry}`;
  try {
    const url = new URL(withScheme);
    return { normalized: url.href, scheme: url.protocol.slice(0, -1), host: url.hostname.replace(/^\[|\]$/g, '').toLowerCase() };
  } catch {
    return undefined;
  }
}

function ipv4(host: string): number[] | undefined {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

/** Loopback, private, link-local, unspecified (IPv4, IPv6 and IPv4-mapped IPv6), and localhost. */
export function isInternalHost(host: string): boolean {
  const name = host.replace(/\.$/, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name)?.[1] ?? hexMapped(name);
  const v4 = ipv4(mapped ?? name);
  if (v4) {
    const [a = 0, b = 0] = v4;
    return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (!name.includes(':')) return false;
  if (name === '::1' || name === '::') return true;
  const first = Number.parseInt(name.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

/** The URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1. */
function hexMapped(name: string): string | undefined {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(name);
  if (!m) return undefined;
  const hi = Number.parseInt(m[1] ?? '0', 16);
  const lo = Number.parseInt(m[2] ?? '0', 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True when `normalized` starts with `prefix` at a path boundary (acme/ does not admit acme-evil/). */
function startsWithPrefix(normalized: string, prefix: string): boolean {
  if (!normalized.startsWith(prefix)) return false;
  if (/[/:?#]$/.test(prefix) || normalized.length === prefix.length) return true;
  return /^[/:?#]/.test(normalized.slice(prefix.length));
}

/** Why a remote reference may not be fetched under the policy, or undefined when it may. */
export function remoteRefusal(reference: string, policy: RemotePolicy): string | undefined {
  if (policy === false || (Array.isArray(policy) && policy.length === 0)) {
    return 'driftless renders only what the repository holds at the commit. Vendor it into the repository, or allow remote bases for this app (allowRemote)';
  }
  const parsed = parse(reference);
  if (!parsed) return 'it is not a URL driftless can check; write it as https://host/org/repo';
  if (parsed.scheme === 'file') return 'file:// references read the machine driftless runs on and are always refused';
  if (parsed.host === '' || isInternalHost(parsed.host)) return `${parsed.host || 'its host'} is a loopback, private or link-local address; such remote bases are always refused`;
  if (policy === true) return parsed.scheme === 'https' ? undefined : `allowRemote: true allows https only, not ${parsed.scheme}; list the prefix (with its scheme) in allowRemote to allow it`;
  const prefixes = policy.map((p) => parse(p)?.normalized ?? p);
  if (prefixes.some((prefix) => startsWithPrefix(parsed.normalized, prefix))) return undefined;
  return `it matches none of the prefixes in allowRemote (${policy.join(', ')})`;
}

/** Whether kustomize gets network access at all (the scan has already checked every reference). */
export function allowsAnyRemote(policy: RemotePolicy): boolean {
  return policy === true || (typeof policy === 'object' && policy.length > 0);
}
