import { describe, expect, it } from 'vitest';
import { fromJSONSchemaProps } from '../../../sandbox/schema/jsonschemaprops.ts';
import { schemaCauses } from '../../../sandbox/server/crvalidate.ts';

const schema = fromJSONSchemaProps({
  type: 'object',
  properties: {
    spec: {
      type: 'object', required: ['name'],
      properties: {
        replicas: { type: 'integer', minimum: 1, maximum: 10 },
        big: { type: 'integer', format: 'int32' },
        ratio: { type: 'number', minimum: 0, maximum: 1, exclusiveMaximum: true, exclusiveMinimum: true },
        name: { type: 'string', pattern: '^[a-z]+$', maxLength: 5, minLength: 2 },
        mode: { type: 'string', enum: ['a', 'b'] },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 2, minItems: 1 },
        labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 1, minProperties: 1 },
        when: { type: 'string', format: 'date-time' },
        port: { 'x-kubernetes-int-or-string': true, type: 'string', maxLength: 3 },
      },
    },
  },
});

const messages = (spec: Record<string, unknown>): string[] => schemaCauses({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec: { name: 'ok', ...spec } }, schema).map((c) => `${c.field}: ${c.message}`);

describe('custom resource schema validation (kube-openapi keywords, apiextensions field errors)', () => {
  it('accepts a valid object', () => {
    expect(messages({ replicas: 10, ratio: 0.5, mode: 'a', tags: ['x'], labels: { a: 'b' }, when: '2026-01-02T03:04:05Z', port: 80 })).toEqual([]);
  });

  it('reports minimum and maximum, inclusive and exclusive', () => {
    expect(messages({ replicas: 11 })).toEqual(['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10']);
    expect(messages({ replicas: 0 })).toEqual(['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1']);
    expect(messages({ ratio: 1 })).toEqual(['spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1']);
    expect(messages({ ratio: 0 })).toEqual(['spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0']);
  });

  it('reports pattern, maxLength (field.TooLong) and minLength', () => {
    expect(messages({ name: 'ABC' })).toEqual(["spec.name: Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'"]);
    expect(messages({ name: 'abcdef' })).toEqual(['spec.name: Too long: may not be more than 5 bytes']);
    expect(messages({ name: 'a' })).toEqual(['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long']);
  });

  it('reports enum, items and properties counts, formats and required fields', () => {
    expect(messages({ mode: 'x' })).toEqual(['spec.mode: Unsupported value: "x": supported values: "a", "b"']);
    expect(messages({ tags: ['a', 'b', 'c'] })).toEqual(['spec.tags: Too many: 3: must have at most 2 items']);
    expect(messages({ tags: [] })).toEqual(['spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items']);
    expect(messages({ labels: { a: 'x', b: 'y' } })).toEqual(['spec.labels: Too many: 2: must have at most 1 item']);
    expect(messages({ labels: {} })).toEqual(['spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties']);
    expect(messages({ when: 'yesterday' })).toEqual(['spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"']);
    expect(messages({ port: 'http' })).toEqual(['spec.port: Too long: may not be more than 3 bytes']);
    expect(messages({ port: true })).toEqual(['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']);
    expect(schemaCauses({ spec: {} }, schema).map((c) => `${c.field}: ${c.message}`)).toEqual(['spec.name: Required value']);
  });

  it('reports an int32 out of range as kube-openapi\'s plain range error, without a field', () => {
    const causes = schemaCauses({ spec: { name: 'ok', big: 2 ** 31 } }, schema);
    expect(causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: "": Checked value must be of type integer with format int32 in spec.big' }]);
  });

  it('collects every error of one object', () => {
    expect(messages({ replicas: 11, mode: 'x', name: 'AB1' })).toHaveLength(3);
  });
});
