import { afterEach, describe, expect, it, vi } from 'vitest';
import { createJsonLogger } from '../../../src/adapters/log-json/index.ts';
import { createPowertoolsLogger } from '../../../src/adapters/log-powertools/index.ts';

afterEach(() => vi.restoreAllMocks());

describe('createPowertoolsLogger (Lambda)', () => {
  it('writes the keys serve writes: same level, message, service and context fields', () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    const log = createPowertoolsLogger({ level: 'info' });
    log.child!({ app: 'web', delivery: 'd1', sync: 's1', trace: 't1', revision: 'abc' }).info('sync finished', { status: 'Synced' });
    log.debug!('hidden');
    const lines = out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    const served: string[] = [];
    createJsonLogger({ write: (line) => void served.push(line) }).child!({ app: 'web', delivery: 'd1', sync: 's1', trace: 't1', revision: 'abc' }).info('sync finished', { status: 'Synced' });
    const serve = JSON.parse(served[0]!) as Record<string, unknown>;
    for (const key of ['level', 'message', 'service', 'app', 'delivery', 'sync', 'trace', 'revision', 'status']) expect(lines[0]![key]).toEqual(serve[key]);
    expect(typeof lines[0]!.timestamp).toBe('string');
  });

  it('logs an Error field as name, message and code: never its request headers, stack or cause', () => {
    const out: string[] = [];
    for (const stream of [process.stdout, process.stderr]) vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    const cause = Object.assign(new Error('socket hang up'), { config: { headers: { Authorization: 'Bearer k8s-aws-v1.cause-token' } } });
    const err = Object.assign(new Error('Forbidden', { cause }), { code: 'E_HTTP', request: { headers: { authorization: 'token ghs_requestsecret' } }, body: { data: { password: 'aHVudGVyMg==' } } });
    createPowertoolsLogger({ level: 'info' }).child!({ failure: err }).error('sync failed', { error: err, attempts: [{ error: err }] });
    const text = out.join('');
    for (const value of ['ghs_requestsecret', 'k8s-aws-v1.cause-token', 'aHVudGVyMg==', 'socket hang up']) expect(text).not.toContain(value);
    const line = JSON.parse(text.split('\n').filter(Boolean)[0]!) as Record<string, unknown>;
    expect(line.error).toEqual({ name: 'Error', message: 'Forbidden', code: 'E_HTTP' });
    expect(line.failure).toEqual({ name: 'Error', message: 'Forbidden', code: 'E_HTTP' });
    expect(line.attempts).toEqual([{ error: { name: 'Error', message: 'Forbidden', code: 'E_HTTP' } }]);
  });
});
