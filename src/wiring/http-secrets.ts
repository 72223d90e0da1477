import type { ServerConfig } from '../config/types.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import { splitTokens } from '../http/auth.ts';
import { asSecretCache, type SecretCache } from '../secrets/cache.ts';

export interface HttpSecrets {
  /** Every value a webhook signature may be made with: the current one, and the previous during a Secrets Manager rotation. */
  webhookSecret: () => Promise<string[] | undefined>;
  /** A signature matched none: re-read the secret (at most once per 30 s); true when it changed. */
  webhookSecretRefused: () => Promise<boolean>;
  apiTokens: () => Promise<string[]>;
}

/**
 * server.webhookSecret and server.apiTokens through the secret cache (shared with the runtime when
 * it is given one; otherwise a cache of `ttlMs` over the resolver), so a rotated secret is picked
 * up without a restart. Values are never logged.
 */
/**
 * A failed resolution is answered from memory this long: every webhook and API request resolves
 * these secrets before it is authenticated, so without it a caller could make each request a
 * Secrets Manager call while the secret is missing or throttled.
 */
export const FAILURE_HOLD_MS = 5_000;

export function httpSecrets(server: Pick<ServerConfig, 'webhookSecret' | 'apiTokens'>, resolver: SecretResolver | SecretCache, ttlMs = 60_000, now: () => number = Date.now): HttpSecrets {
  const cache = asSecretCache(resolver, { ttlMs, now });
  const webhookRef = server.webhookSecret;
  const tokensRef = server.apiTokens;
  let current: string | undefined;
  const held = <T>(load: () => Promise<T>): (() => Promise<T>) => {
    let failed: { at: number; error: unknown } | undefined;
    return async () => {
      if (failed && now() - failed.at < FAILURE_HOLD_MS) throw failed.error;
      try {
        const value = await load();
        failed = undefined;
        return value;
      } catch (error) {
        failed = { at: now(), error };
        throw error;
      }
    };
  };
  return {
    webhookSecret: held(async () => {
      if (!webhookRef) return undefined;
      const values = await cache.accepted(webhookRef);
      current = values[0];
      return values;
    }),
    async webhookSecretRefused() {
      if (!webhookRef || current === undefined) return false;
      // A secret that cannot be re-read now leaves the signature refused, not the request failed.
      return cache.refresh(webhookRef, current).catch(() => false);
    },
    apiTokens: held(async () => (tokensRef ? splitTokens(await cache.resolve(tokensRef)) : [])),
  };
}
