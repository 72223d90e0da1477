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
export function httpSecrets(server: Pick<ServerConfig, 'webhookSecret' | 'apiTokens'>, resolver: SecretResolver | SecretCache, ttlMs = 60_000, now: () => number = Date.now): HttpSecrets {
  const cache = asSecretCache(resolver, { ttlMs, now });
  const webhookRef = server.webhookSecret;
  const tokensRef = server.apiTokens;
  let current: string | undefined;
  return {
    async webhookSecret() {
      if (!webhookRef) return undefined;
      const values = await cache.accepted(webhookRef);
      current = values[0];
      return values;
    },
    async webhookSecretRefused() {
      if (!webhookRef || current === undefined) return false;
      return cache.refresh(webhookRef, current);
    },
    apiTokens: async () => (tokensRef ? splitTokens(await cache.resolve(tokensRef)) : []),
  };
}
