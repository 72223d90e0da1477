import { describe, expect, it } from 'vitest';
import { createSchemaIndex, fromJSONSchemaProps, requiredMissing, unknownFields } from '../../../sandbox/schema/index.ts';

const index = createSchemaIndex();
const deployment = index.root({ group: 'apps', version: 'v1', kind: 'Deployment' });

describe('unknownFields (fieldValidation Strict/Warn)', () => {
  it('reports undeclared fields with their paths, in lists too', () => {
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labels: { anything: 'goes' }, bogus: 1 },
      spec: { replica: 2, template: { spec: { containers: [{ name: 'a', image: 'nginx', imagePullPolcy: 'Always' }] } } },
    };
    expect(unknownFields(obj, deployment)).toEqual(['.metadata.bogus', '.spec.replica', '.spec.template.spec.containers[0].imagePullPolcy']);
  });

  it('accepts anything under x-kubernetes-preserve-unknown-fields and untyped JSON', () => {
    const node = fromJSONSchemaProps({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            known: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'object', properties: { b: { type: 'string' } } } } },
            template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
          },
        },
      },
    });
    const obj = {
      spec: {
        config: { deep: { er: [1, 2] } },
        known: { other: 1, a: { b: 'x', c: 'unknown' } },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { whatever: true }, extra: 1 },
        nope: 1,
      },
    };
    expect(unknownFields(obj, node)).toEqual(['.spec.known.a.c', '.spec.template.extra', '.spec.nope']);
  });

  it('returns nothing without a schema', () => {
    expect(unknownFields({ a: 1 }, undefined)).toEqual([]);
  });
});

describe('requiredMissing', () => {
  it('a Deployment without spec.selector: "spec.selector: Required value"', () => {
    const obj = { metadata: { name: 'x' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'nginx' }] } } } };
    expect(requiredMissing(obj, deployment)).toEqual([{ field: 'spec.selector', message: 'Required value' }]);
  });

  it('checks list items (container name, port containerPort) and skips status', () => {
    const obj = {
      spec: { selector: {}, template: { spec: { containers: [{ image: 'nginx', ports: [{ name: 'http' }] }] } } },
      status: { conditions: [{ reason: 'no type or status' }] },
    };
    expect(requiredMissing(obj, deployment).map((m) => m.field)).toEqual([
      'spec.template.spec.containers[0].name',
      'spec.template.spec.containers[0].ports[0].containerPort',
    ]);
  });

  it('a complete object has nothing missing', () => {
    const obj = { spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'a' }] } } } };
    expect(requiredMissing(obj, deployment)).toEqual([]);
  });
});
