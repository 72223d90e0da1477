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
});
