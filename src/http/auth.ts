import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Finds which configured token the Authorization header carries, comparing in constant time:
 * both sides are hashed to equal length and every token is compared, match or not.
 * Returns an actor name that never contains the token itself.
 */
export function authenticate(header: string | undefined, tokens: string[]): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  if (!match || tokens.length === 0) return undefined;
  const presented = digest(match[1]!);
  let found = -1;
  tokens.forEach((token, index) => {
    if (timingSafeEqual(presented, digest(token)) && found < 0) found = index;
  });
  return found >= 0 ? `token#${found + 1}` : undefined;
}

/** `server.apiTokens` holds one or more tokens, comma-separated. */
export function splitTokens(value: string | undefined): string[] {
  return (value ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}
