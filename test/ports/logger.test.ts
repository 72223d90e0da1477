import { describe, expect, it } from 'vitest';
import { resolveLogLevel, withContext, type LogFields, type Logger } from '../../src/ports/logger.ts';

describe('resolveLogLevel', () => {
  it('DRIFTLESS_LOG_LEVEL, then LOG_LEVEL, then the config, then info; unknown values are skipped', () => {
    expect(resolveLogLevel(undefined, {})).toBe('info');
    expect(resolveLogLevel('warn', {})).toBe('warn');
    expect(resolveLogLevel('warn', { LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(resolveLogLevel('warn', { LOG_LEVEL: 'debug', DRIFTLESS_LOG_LEVEL: 'error' })).toBe('error');
    expect(resolveLogLevel('error', { DRIFTLESS_LOG_LEVEL: 'loud', LOG_LEVEL: 'WARNING' })).toBe('warn');
    expect(resolveLogLevel('error', { DRIFTLESS_LOG_LEVEL: 'chatty' })).toBe('error');
  });
});

describe('withContext', () => {
  it('adds the context to every line of a logger without child(), leaving undefined values out', () => {
    const seen: Array<[string, LogFields | undefined]> = [];
    const base: Logger = { info: (m, f) => void seen.push([m, f]), warn: (m, f) => void seen.push([m, f]), error: (m, f) => void seen.push([m, f]) };
    const log = withContext(base, { app: 'web', sync: 's1', delivery: undefined });
    log.info('a', { n: 1 });
    withContext(log, { revision: 'abc' }).error('b');
    expect(seen).toEqual([['a', { app: 'web', sync: 's1', n: 1 }], ['b', { app: 'web', sync: 's1', revision: 'abc' }]]);
  });
});
