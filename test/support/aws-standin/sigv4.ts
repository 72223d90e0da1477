import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Iam, Identity } from './iam.ts';

/** What went wrong with a request's signature; each service turns it into its own error shape. */
export type AuthFailure =
  | { kind: 'missing' }
  | { kind: 'malformed'; message: string }
  | { kind: 'unknownKey' }
  | { kind: 'expiredToken' }
  | { kind: 'badSignature' }
  /** The signature date is outside AWS's 15-minute window (or, presigned, past its expiry). */
  | { kind: 'expiredSignature'; message: string };

export type AuthResult = { ok: true; identity: Identity; region: string } | { ok: false; failure: AuthFailure };

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received (still percent-encoded). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const WINDOW_MS = 15 * 60 * 1000;

/** `20240101T000000Z` → Date. */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

const amzDate = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

function splitUrl(raw: string): { path: string; query: Record<string, string | string[]> } {
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return { path, query };
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

interface Scope { accessKeyId: string; date: string; region: string; service: string }

function parseScope(credential: string): Scope | undefined {
  const [accessKeyId, date, region, service, terminal] = credential.split('/');
  if (!accessKeyId || !date || !region || !service || terminal !== 'aws4_request') return undefined;
  return { accessKeyId, date, region, service };
}

function lookup(iam: Iam, scope: Scope, token: string | undefined): Identity | AuthFailure {
  const identity = iam.byAccessKey(scope.accessKeyId);
  if (!identity) return { kind: 'unknownKey' };
  if (identity.sessionToken !== undefined && token !== identity.sessionToken) return { kind: 'unknownKey' };
  if (identity.expiration && identity.expiration.getTime() <= Date.now()) return { kind: 'expiredToken' };
  return identity;
}

function pickHeaders(headers: IncomingHttpHeaders, signed: string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const name of signed) {
    const value = headerValue(headers, name);
    if (value === undefined) return undefined;
    out[name] = value;
  }
  return out;
}

/**
 * Verifies `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` by signing
 * the same canonical request again with the key's secret (@smithy/signature-v4, as the SDK signs).
 */
export async function verifyHeaderSignature(iam: Iam, service: string, req: SignedRequest): Promise<AuthResult> {
  const auth = headerValue(req.headers, 'authorization');
  if (!auth) return { ok: false, failure: { kind: 'missing' } };
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(auth.trim());
  const scope = m ? parseScope(m[1]!) : undefined;
  if (!m || !scope) return { ok: false, failure: { kind: 'malformed', message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.` } };
  const dateHeader = headerValue(req.headers, 'x-amz-date');
  const date = dateHeader ? parseAmzDate(dateHeader) : undefined;
  if (!date) return { ok: false, failure: { kind: 'malformed', message: `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.` } };
  const found = lookup(iam, scope, headerValue(req.headers, 'x-amz-security-token'));
  if ('kind' in found) return { ok: false, failure: found };
  const now = Date.now();
  if (Math.abs(now - date.getTime()) > WINDOW_MS) {
    const edge = date.getTime() < now ? `is now earlier than ${amzDate(new Date(now - WINDOW_MS))} (${amzDate(new Date(now))} - 15 min.)` : `is now later than ${amzDate(new Date(now + WINDOW_MS))} (${amzDate(new Date(now))} + 15 min.)`;
    return { ok: false, failure: { kind: 'expiredSignature', message: `Signature expired: ${dateHeader} ${edge}` } };
  }
  if (scope.service !== service) return { ok: false, failure: { kind: 'badSignature' } };
  const signedNames = m[2]!.split(';');
  const headers = pickHeaders(req.headers, signedNames);
  if (!headers) return { ok: false, failure: { kind: 'badSignature' } };
  const { path, query } = splitUrl(req.url);
  const signer = new SignatureV4({ credentials: found, region: scope.region, service: scope.service, sha256: Sha256 });
  const request = new HttpRequest({ method: req.method, protocol: 'https:', hostname: headers.host ?? '', path, query, headers, body: req.body });
  const signed = await signer.sign(request, { signingDate: date });
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1] ?? '';
  if (!sameHex(expected, m[3]!)) return { ok: false, failure: { kind: 'badSignature' } };
  return { ok: true, identity: found, region: scope.region };
}

/**
 * Verifies a presigned URL (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
 * `X-Amz-SignedHeaders`, `X-Amz-Signature` in the query). `maxAgeSeconds` overrides X-Amz-Expires:
 * STS honours a GetCallerIdentity presign for 15 minutes whatever X-Amz-Expires says.
 */
export async function verifyPresigned(iam: Iam, service: string, req: SignedRequest, maxAgeSeconds?: number): Promise<AuthResult> {
  const { path, query } = splitUrl(req.url);
  const one = (k: string): string | undefined => (typeof query[k] === 'string' ? query[k] : undefined);
  const credential = one('X-Amz-Credential');
  const signature = one('X-Amz-Signature');
  const dateParam = one('X-Amz-Date');
  const expires = Number(one('X-Amz-Expires'));
  const signedHeaders = one('X-Amz-SignedHeaders');
  if (!credential || !signature || !dateParam || !signedHeaders || one('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    return { ok: false, failure: { kind: 'malformed', message: `AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'.` } };
  }
  const scope = parseScope(credential);
  const date = parseAmzDate(dateParam);
  if (!scope || !date || !Number.isInteger(expires) || expires < 1 || expires > 604800) return { ok: false, failure: { kind: 'malformed', message: 'X-Amz-Credential, X-Amz-Date or X-Amz-Expires is malformed.' } };
  const found = lookup(iam, scope, one('X-Amz-Security-Token'));
  if ('kind' in found) return { ok: false, failure: found };
  const age = maxAgeSeconds ?? expires;
  const now = Date.now();
  if (now > date.getTime() + age * 1000) {
    return { ok: false, failure: { kind: 'expiredSignature', message: `Signature expired: ${dateParam} is now earlier than ${amzDate(new Date(now - age * 1000))} (${amzDate(new Date(now))} - ${age / 60} min.)` } };
  }
  if (scope.service !== service) return { ok: false, failure: { kind: 'badSignature' } };
  const headers = pickHeaders(req.headers, signedHeaders.split(';'));
  if (!headers) return { ok: false, failure: { kind: 'badSignature' } };
  const rest: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(query)) if (!k.startsWith('X-Amz-')) rest[k] = v;
  const signer = new SignatureV4({ credentials: found, region: scope.region, service: scope.service, sha256: Sha256 });
  const request = new HttpRequest({ method: req.method, protocol: 'https:', hostname: headers.host ?? '', path, query: rest, headers });
  const signed = await signer.presign(request, { signingDate: date, expiresIn: expires });
  const expected = String(signed.query?.['X-Amz-Signature'] ?? '');
  if (!sameHex(expected, signature)) return { ok: false, failure: { kind: 'badSignature' } };
  return { ok: true, identity: found, region: scope.region };
}
