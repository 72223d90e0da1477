import { createPublicKey, verify, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** Verifies a GitHub App JWT as GitHub does: RS256 over header.payload, `iat`/`exp` window, issuer = app id. */
export function verifyAppJwt(token: string, publicKey: KeyObject, appId: string | undefined, nowSeconds: number): { ok: true; iss: string } | { ok: false; message: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, message: 'A JSON web token could not be decoded' };
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string };
  let payload: { iat?: number; exp?: number; iss?: string | number };
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { iat?: number; exp?: number; iss?: string | number };
  } catch {
    return { ok: false, message: 'A JSON web token could not be decoded' };
  }
  if (header.alg !== 'RS256') return { ok: false, message: "'alg' must be RS256" };
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))) {
    return { ok: false, message: 'A JSON web token could not be decoded' };
  }
  if (typeof payload.exp !== 'number' || payload.exp <= nowSeconds) return { ok: false, message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires" };
  if (typeof payload.iat !== 'number' || payload.iat > nowSeconds + 60) return { ok: false, message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued" };
  if (payload.exp - payload.iat > 600 + 60) return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future" };
  const iss = String(payload.iss ?? '');
  if (appId !== undefined && iss !== appId) return { ok: false, message: 'Integration not found' };
  return { ok: true, iss };
}

export function publicKeyFromPrivate(pem: string): KeyObject {
  return createPublicKey(pem);
}

export function newInstallationToken(): string {
  return `ghs_${randomBytes(18).toString('base64url')}`;
}
