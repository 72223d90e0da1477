import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { authenticate } from '../auth.ts';

/**
 * The status page's sign-in: the API token itself, in an HttpOnly, SameSite=Strict cookie (Secure
 * over https), so no server-side session store is needed (serve and Lambda alike). The CSRF token
 * of the forms is random, made at sign-in and kept in a second cookie of the same kind (a
 * double-submit token): another site can neither read nor set it, and nothing derived from the API
 * token ever reaches the page.
 */

export const sessionCookie = 'driftless_session';
export const csrfCookie = 'driftless_csrf';

export interface Session {
  actor: string;
  csrf: string;
}

export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

export function readSession(c: Context, tokens: string[]): Session | undefined {
  const token = getCookie(c, sessionCookie);
  const csrf = getCookie(c, csrfCookie);
  if (!token || !csrf) return undefined;
  const actor = authenticate(`Bearer ${token}`, tokens);
  return actor ? { actor, csrf } : undefined;
}

export function csrfMatches(session: Session, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function startSession(c: Context, token: string): void {
  const options = { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c), maxAge: 12 * 3600 } as const;
  setCookie(c, sessionCookie, token, options);
  setCookie(c, csrfCookie, randomBytes(32).toString('base64url'), options);
}

export function endSession(c: Context): void {
  for (const name of [sessionCookie, csrfCookie]) deleteCookie(c, name, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
}

/** A form post from another site: the browser says where it came from (Origin), and it is not us. */
export function crossSite(c: Context): boolean {
  const origin = c.req.header('origin');
  if (origin === undefined || origin === 'null') return origin === 'null';
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
