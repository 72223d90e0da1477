import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../../src/adapters/log-json/index.ts';
import { DriftlessError } from '../../../src/core/errors.ts';

describe('createJsonLogger', () => {
  it('writes one JSON object per line: level, message, timestamp, service, then context and fields', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ level: 'info', write: (line) => void lines.push(line), now: () => new Date('2026-01-02T03:04:05.000Z') });
    log.child!({ app: 'web', sync: 's1' }).info('sync finished', { status: 'Synced', nothing: undefined });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(lines[0]!.trimEnd()).not.toContain('\n');
    expect(JSON.parse(lines[0]!)).toEqual({ level: 'INFO', message: 'sync finished', timestamp: '2026-01-02T03:04:05.000Z', service: 'driftless', app: 'web', sync: 's1', status: 'Synced' });
    expect(Object.keys(JSON.parse(lines[0]!) as object).slice(0, 4)).toEqual(['level', 'message', 'timestamp', 'service']);
  });

  it('drops lines below the level, and a field cannot overwrite the fixed keys', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ level: 'warn', write: (line) => void lines.push(line) });
    log.debug!('d');
    log.info('i');
    log.warn('w', { level: 'forged', message: 'forged' });
    log.error('e', { error: new DriftlessError('RENDER_FAILED', 'bad yaml') });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'WARN', message: 'w' }),
      expect.objectContaining({ level: 'ERROR', message: 'e', error: { name: 'DriftlessError', message: 'bad yaml', code: 'RENDER_FAILED' } }),
    ]);
    const silent: string[] = [];
    createJsonLogger({ level: 'silent', write: (line) => void silent.push(line) }).error('x');
    expect(silent).toEqual([]);
  });

  it('an Error anywhere in the fields is written as name, message and code: never its request headers or response body', () => {
    const lines: string[] = [];
    const err = Object.assign(new Error('Bad credentials'), { status: 401, request: { headers: { authorization: 'token ghp_nestedsecret' } }, response: { data: { token: 'k8s-aws-v1.nested' } } });
    createJsonLogger({ write: (line) => void lines.push(line) }).warn('report failed', { what: { step: 'status', error: err }, errors: [err] });
    expect(lines[0]).not.toMatch(/ghp_nestedsecret|k8s-aws-v1\.nested/);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line.what).toEqual({ step: 'status', error: { name: 'Error', message: 'Bad credentials' } });
    expect(line.errors).toEqual([{ name: 'Error', message: 'Bad credentials' }]);
  });
});
