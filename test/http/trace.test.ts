import { describe, expect, it } from 'vitest';
import { traceOf } from '../../src/http/trace.ts';

const from = (headers: Record<string, string>) => traceOf((name) => headers[name]);

describe('traceOf', () => {
  it('takes the W3C trace id, else the X-Amzn-Trace-Id root; only well-formed ids', () => {
    expect(from({ traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01' })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(from({ 'x-amzn-trace-id': 'Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678;Sampled=1' })).toBe('1-67891233-abcdef012345678912345678');
    expect(from({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678' })).toBe('1-67891233-abcdef012345678912345678');
    expect(from({ traceparent: '00-"}\n{"level":"ERROR"-x-01' })).toBeUndefined();
    expect(from({ 'x-amzn-trace-id': 'Root=1-zz' })).toBeUndefined();
    expect(from({})).toBeUndefined();
  });
});
