import { describe, expect, it } from 'vitest';
import { fromJSONSchemaProps } from '../../../sandbox/schema/jsonschemaprops.ts';
import { listTypeCauses } from '../../../sandbox/server/crlisttype.ts';

const schema = fromJSONSchemaProps({
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        plain: { type: 'array', items: { type: 'string' } },
        ports: {
          type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name', 'port'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
      },
    },
  },
});

describe('custom resource list-type uniqueness', () => {
  it('reports each repeat of a set item and of a map key as Duplicate value', () => {
    const causes = listTypeCauses({ spec: { tags: ['a', 'b', 'a'], plain: ['x', 'x'], ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }, { port: 80, name: 'http' }] } }, schema);
    expect(causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.tags[2]: Duplicate value: "a"',
      'spec.ports[2]: Duplicate value: map[string]interface {}{"name":"http", "port":80}',
    ]);
    expect(causes[0]!.reason).toBe('FieldValueDuplicate');
  });
});
