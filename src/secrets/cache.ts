import type { SecretRef, SecretResolver } from '../ports/secrets.ts';

/**
 * Every secret reference resolves through one per-process cache: a value is read once per TTL, and
 * re-read early only when whatever it unlocks refused it (a cluster's or GitHub's 401, a webhook
 * signature that does not match). Those reports can be caused by anyone who can reach the webhook
 * endpoint, so a secret is force-read at most once per `minRefreshMs`: unauthenticated callers
 * cannot turn requests into Secrets Manager calls.
 */
export interface SecretCache extends SecretResolver {
  /**
   * `refused` was refused: re-read the reference (at most once per secret per `minRefreshMs`) and
   * say whether its value is now different from `refused`, i.e. whether trying again may help.
   */
  refresh(ref: SecretRef, refused: string): Promise<boolean>;
  /**
   * The values to accept while a secret rotates: the current one, and for a Secrets Manager
   * reference without a version stage also AWSPREVIOUS, when the secret has one.
   */
  accepted(ref: SecretRef): Promise<string[]>;
}

export interface SecretCacheOptions {
  /** How long a value is used before it is read again; default 5 minutes. */
  ttlMs?: number;
  /** Fewest milliseconds between two forced reads of one secret; default 30 s. */
  minRefreshMs?: number;
  now?: () => number;
}

export const SECRET_TTL_MS = 5 * 60_000;
export const MIN_REFRESH_MS = 30_000;

interface Entry {
  at: number;
  source: string;
  value: Promise<string>;
}

/** One key per distinct reference (field order does not matter). */
function refKey(ref: SecretRef): string {
  if ('env' in ref) return `env:${ref.env}`;
  if ('file' in ref) return `file:${ref.file}`;
  return `secret:${ref.region ?? ''}:${ref.secret}:${ref.versionStage ?? ''}:${ref.key ?? ''}`;
}

/** What a forced read re-reads: a whole secret (every key and stage of it), a variable, a file. */
function sourceKey(ref: SecretRef): string {
  return 'secret' in ref ? `secret:${ref.region ?? ''}:${ref.secret}` : refKey(ref);
}

/** AWSPREVIOUS of a Secrets Manager reference that follows AWSCURRENT; nothing for env and file references. */
export function previousVersionOf(ref: SecretRef): SecretRef | undefined {
  if (!('secret' in ref) || ref.versionStage) return undefined;
  return { ...ref, versionStage: 'AWSPREVIOUS' };
}

export function createSecretCache(inner: SecretResolver, options: SecretCacheOptions = {}): SecretCache {
  const ttl = options.ttlMs ?? SECRET_TTL_MS;
  const minRefresh = options.minRefreshMs ?? MIN_REFRESH_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const forcedAt = new Map<string, number>();
  /**
   * AWSPREVIOUS lookups, absence included: a secret never rotated has none, and asking again on
   * every webhook request would hand unauthenticated callers a Secrets Manager call each.
   */
  const previous = new Map<string, { at: number; source: string; value: Promise<string | undefined> }>();

  const load = (ref: SecretRef): Promise<string> => {
    const key = refKey(ref);
    const value = inner.resolve(ref);
    const entry = { at: now(), source: sourceKey(ref), value };
    entries.set(key, entry);
    // A failure is not kept: the next use tries again.
    value.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return value;
  };

  const resolve = (ref: SecretRef): Promise<string> => {
    const entry = entries.get(refKey(ref));
    if (entry && now() - entry.at < ttl) return entry.value;
    return load(ref);
  };

  return {
    resolve,
    async refresh(ref, refused) {
      const source = sourceKey(ref);
      const last = forcedAt.get(source);
      if (last === undefined || now() - last >= minRefresh) {
        forcedAt.set(source, now());
        for (const [key, entry] of entries) if (entry.source === source) entries.delete(key);
        for (const [key, entry] of previous) if (entry.source === source) previous.delete(key);
        return (await load(ref)) !== refused;
      }
      // Another consumer forced a read moments ago: what it read may already be the new value.
      try {
        return (await resolve(ref)) !== refused;
      } catch {
        return false;
      }
    },
    async accepted(ref) {
      const current = await resolve(ref);
      const previousRef = previousVersionOf(ref);
      if (!previousRef) return [current];
      const key = refKey(previousRef);
      let entry = previous.get(key);
      if (!entry || now() - entry.at >= ttl) {
        // A secret never rotated has no AWSPREVIOUS; that is no reason to refuse the current value.
        entry = { at: now(), source: sourceKey(ref), value: inner.resolve(previousRef).catch(() => undefined) };
        previous.set(key, entry);
      }
      const old = await entry.value;
      return old !== undefined && old !== current ? [current, old] : [current];
    },
  };
}

/** A resolver as a cache: a SecretCache is used as is, anything else gets wrapped. */
export function asSecretCache(resolver: SecretResolver | SecretCache, options?: SecretCacheOptions): SecretCache {
  return 'refresh' in resolver && 'accepted' in resolver ? resolver : createSecretCache(resolver, options);
}
