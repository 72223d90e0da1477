import { InvalidArgumentError } from 'commander';

/** Commander parser for a TCP port; 0 lets the system pick a free one. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port number (0-65535), got "${value}"`);
  return n;
}
