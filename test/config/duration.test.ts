import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.ts';

describe('parseDuration', () => {
  it.each([
    [180, 180],
    ['90s', 90],
    ['3m', 180],
    ['1h30m', 5400],
    ['2h', 7200],
    ['1m30s', 90],
  ])('%s → %s seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(['3 minutes', '', 'm', '1.5m', '10d', null, Number.NaN])('%s is not a duration', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});
