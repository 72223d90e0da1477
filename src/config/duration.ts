const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

/**
 * Seconds from a number of seconds or a duration such as "90s", "3m", "1h30m".
 * Returns undefined for anything else.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !/^([0-9]+[hms])+$/.test(value)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of value.matchAll(/([0-9]+)([hms])/g)) seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  return seconds;
}
