import { describe, expect, it } from 'vitest';
import { compile } from '../../../../sandbox/server/cel/env.ts';
import { undefinedFields } from '../../../../sandbox/server/cel/schemacheck.ts';

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    items: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    port: { 'x-kubernetes-int-or-string': true },
  },
};
const check = (expression: string, root = false): string[] => undefinedFields(expression, compile(expression, ['self', 'oldSelf']).ast, schema, root);

describe('CRD rule field check', () => {
  it('accepts declared fields, map values, list items, open objects and int-or-string', () => {
    expect(check('self.name != "" && self.items.all(i, i.k != "") && self.items[0].k == "a" && self.labels.foo == "x" && self.free.any.thing == 1 && self.port.x == 1 && oldSelf.name == self.name')).toEqual([]);
  });

  it('reports an undeclared field at its dot, and in has() at the macro\'s parenthesis', () => {
    expect(check('self.nam == "x"')).toEqual([`ERROR: <input>:1:5: undefined field 'nam'\n | self.nam == "x"\n | ....^`]);
    expect(check('has(self.nope)')).toEqual([`ERROR: <input>:1:4: undefined field 'nope'\n | has(self.nope)\n | ...^`]);
    expect(check('self.items[0].v == 1')).toHaveLength(1);
  });

  it('leaves apiVersion, kind and metadata dynamic at the resource root only', () => {
    expect(check('self.metadata.name == "x" && self.kind == "K"', true)).toEqual([]);
    expect(check('self.metadata.name == "x"')).toHaveLength(1);
  });
});
