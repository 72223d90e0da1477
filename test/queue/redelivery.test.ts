import { describe, expect, it } from 'vitest';
import { isFinalReceive, redeliveryDelaySeconds } from '../../src/queue/redelivery.ts';

describe('redeliveryDelaySeconds', () => {
  it('doubles from 30 s per receive up to 15 minutes, with the upper half jittered', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => redeliveryDelaySeconds(n, { transient: true }, () => 0))).toEqual([15, 30, 60, 120, 240, 450, 450]);
    expect([1, 2, 6].map((n) => redeliveryDelaySeconds(n, { transient: true }, () => 1))).toEqual([30, 60, 900]);
  });

  it('honours a longer Retry-After, within the 12 hours SQS allows', () => {
    expect(redeliveryDelaySeconds(1, { transient: true, retryAfterMs: 120_500 }, () => 0)).toBe(121);
    expect(redeliveryDelaySeconds(1, { transient: true, retryAfterMs: 100 * 3600_000 }, () => 0)).toBe(43_200);
    expect(redeliveryDelaySeconds(4, { transient: true, retryAfterMs: 1000 }, () => 0)).toBe(120);
  });

  it('the final receive is the one equal to maxReceiveCount', () => {
    expect(isFinalReceive(2, 3)).toBe(false);
    expect(isFinalReceive(3, 3)).toBe(true);
  });
});
