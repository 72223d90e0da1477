import type { ServerConfig } from '../config/types.ts';
import type { SecretResolver } from '../ports/secrets.ts';
import { splitTokens } from '../http/auth.ts';

export interface HttpSecrets {
  webhookSecret: () => Promise<string | undefined>;
  apiTokens: () => Promise<string[]>;
}

/**
 * Resolves server.webhookSecret and server.apiTokens through the resolver, caching each value
 * for `ttlMs` so a rotated secret is picked up without a restart. Values are never logged.
 */
export function httpSecrets(server: Pick<ServerConfig, 'webhookSecret' | 'apiTokens'>, resolver: SecretResolver, ttlMs = 60_000, now: () => number = Date.now): HttpSecrets {
  const cached = <T>(load: () => Promise<T>): (() => Promise<T>) => {
    let entry: { at: number; value: Promise<T> } | undefined;
    return () => {
      if (!entry || now() - entry.at > ttlMs) {
        const value = load();
        entry = { at: now(), value };
        // A failed resolution is not cached: the next request tries again.
        value.catch(() => (entry = undefined));
      }
      return entry.value;
    };
  };
  const webhookRef = server.webhookSecret;
  const tokensRef = server.apiTokens;
  return {
    webhookSecret: cached(async () => (webhookRef ? resolver.resolve(webhookRef) : undefined)),
    apiTokens: cached(async () => (tokensRef ? splitTokens(await resolver.resolve(tokensRef)) : [])),
  };
}
