import { describe, expect, it } from 'vitest';
import { fromJSONSchemaProps } from '../../../sandbox/schema/jsonschemaprops.ts';
import { applySchemaDefaults, defaultedOnRead, pruneNulls } from '../../../sandbox/server/crdefault.ts';

const schema = fromJSONSchemaProps({
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer', default: 1 },
        mode: { type: 'string', default: 'fast' },
        note: { type: 'string', nullable: true, default: 'n' },
        gone: { type: 'string' },
        nested: { type: 'object', properties: { depth: { type: 'integer', default: 3 } } },
        ports: { type: 'array', items: { type: 'object', properties: { protocol: { type: 'string', default: 'TCP' } } } },
        opts: { type: 'object', default: { a: 1 } },
      },
    },
  },
});

describe('custom resource structural defaulting', () => {
  it('fills absent properties of existing objects, array items, and object defaults', () => {
    const obj: Record<string, unknown> = { spec: { mode: 'slow', ports: [{}, { protocol: 'UDP' }] } };
    applySchemaDefaults(obj, schema);
    expect(obj.spec).toEqual({ replicas: 1, mode: 'slow', note: 'n', opts: { a: 1 }, ports: [{ protocol: 'TCP' }, { protocol: 'UDP' }] });
  });

  it('leaves absent parents absent', () => {
    const obj: Record<string, unknown> = {};
    applySchemaDefaults(obj, schema);
    expect(obj).toEqual({});
  });

  it('defaults non-nullable nulls, keeps nullable ones, prunes those without a default', () => {
    const obj: Record<string, unknown> = { spec: { replicas: null, note: null, gone: null } };
    pruneNulls(obj, schema);
    applySchemaDefaults(obj, schema);
    expect(obj.spec).toEqual({ replicas: 1, mode: 'fast', note: null, opts: { a: 1 } });
  });

  it('defaults a copy on read and returns the stored object when nothing changes', () => {
    const stored = { spec: { replicas: 2 } };
    const read = defaultedOnRead(stored, schema);
    expect(read.spec).toMatchObject({ replicas: 2, mode: 'fast' });
    expect(stored).toEqual({ spec: { replicas: 2 } });
    const full = read;
    expect(defaultedOnRead(full, schema)).toBe(full);
  });
});
