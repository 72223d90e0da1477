import { describe, expect, it } from 'vitest';
import type { SchemaNode } from '../../../sandbox/contracts.ts';
import { createSchemaIndex, fromJSONSchemaProps } from '../../../sandbox/schema/index.ts';

const index = createSchemaIndex();

function at(node: SchemaNode | undefined, ...path: string[]): SchemaNode {
  let cur = node;
  for (const p of path) cur = p === '[]' ? cur?.items : cur?.properties?.[p];
  if (!cur) throw new Error(`no schema at ${path.join('.')}`);
  return cur;
}

describe('createSchemaIndex over the Kubernetes 1.34 documents', () => {
  const deployment = index.root({ group: 'apps', version: 'v1', kind: 'Deployment' });
  const podSpec = at(deployment, 'spec', 'template', 'spec');

  it('finds root schemas by x-kubernetes-group-version-kind, core group included', () => {
    expect(deployment?.properties?.['spec']).toBeDefined();
    expect(index.root({ group: '', version: 'v1', kind: 'ConfigMap' })?.properties?.['data']?.additional?.type).toBe('string');
    expect(index.root({ group: 'apps', version: 'v1', kind: 'Nope' })).toBeUndefined();
    expect(index.root({ group: 'example.com', version: 'v1', kind: 'Widget' })).toBeUndefined();
  });

  it('resolves allOf/$ref wrappers and keeps the wrapper default (metadata default {})', () => {
    expect(at(deployment, 'metadata').properties?.['labels']?.additional?.type).toBe('string');
    expect(at(deployment, 'metadata').default).toEqual({});
  });

  it('lifts required fields (DeploymentSpec requires selector and template)', () => {
    expect(at(deployment, 'spec').required).toEqual(['selector', 'template']);
  });

  it('containers are a list map keyed by name, with strategic-merge metadata', () => {
    const containers = at(podSpec, 'containers');
    expect(containers).toMatchObject({ listType: 'map', listMapKeys: ['name'], patchStrategy: 'merge', patchMergeKey: 'name' });
  });

  it('container ports are keyed by containerPort+protocol for SSA, by containerPort for SMP, protocol defaults to TCP', () => {
    const ports = at(podSpec, 'containers', '[]', 'ports');
    expect(ports.listMapKeys).toEqual(['containerPort', 'protocol']);
    expect(ports.patchMergeKey).toBe('containerPort');
    expect(at(ports, '[]', 'protocol').default).toBe('TCP');
  });

  it('env is keyed by name; finalizers are a set; volumes merge with retainKeys', () => {
    expect(at(podSpec, 'containers', '[]', 'env')).toMatchObject({ listType: 'map', listMapKeys: ['name'] });
    expect(at(deployment, 'metadata', 'finalizers')).toMatchObject({ listType: 'set', patchStrategy: 'merge' });
    expect(at(podSpec, 'volumes').patchStrategy).toBe('merge,retainKeys');
  });

  it('marks atomic structs (LabelSelector) and int-or-string fields', () => {
    expect(at(deployment, 'spec', 'selector').mapType).toBe('atomic');
    expect(at(deployment, 'spec', 'strategy', 'rollingUpdate', 'maxSurge').intOrString).toBe(true);
  });

  it('derives map semantics from a patch merge key alone (built-ins without list-type)', () => {
    const custom = createSchemaIndex(
      new Map([
        [
          'apis/x/v1',
          {
            openapi: '3.0.0',
            info: {},
            paths: {},
            components: {
              schemas: {
                T: {
                  type: 'object',
                  'x-kubernetes-group-version-kind': [{ group: 'x', version: 'v1', kind: 'T' }],
                  properties: {
                    items: { type: 'array', items: { $ref: '#/components/schemas/I' }, 'x-kubernetes-patch-merge-key': 'id', 'x-kubernetes-patch-strategy': 'merge' },
                    plain: { type: 'array', items: { type: 'string' } },
                  },
                },
                I: { type: 'object', properties: { id: { type: 'string' } } },
              },
            },
          },
        ],
      ]),
    );
    const root = custom.root({ group: 'x', version: 'v1', kind: 'T' });
    expect(at(root, 'items')).toMatchObject({ listType: 'map', listMapKeys: ['id'] });
    expect(at(root, 'plain').listType).toBe('atomic');
  });

  it('handles recursive components lazily (CRD JSONSchemaProps)', () => {
    const crd = index.root({ group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition' });
    const props = at(crd, 'spec', 'versions', '[]', 'schema', 'openAPIV3Schema');
    const nested = props.properties?.['properties']?.additional?.properties?.['properties']?.additional;
    expect(nested?.properties?.['type']?.type).toBe('string');
    expect(nested?.properties?.['x-kubernetes-preserve-unknown-fields']?.type).toBe('boolean');
  });
});

describe('custom resource schemas', () => {
  const openAPIV3Schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['size'],
        properties: {
          size: { type: 'integer' },
          tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
          hosts: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
          raw: { type: 'array', items: { type: 'string' } },
          config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          port: { 'x-kubernetes-int-or-string': true },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        },
      },
    },
  };

  it('fromJSONSchemaProps lifts list types (lists without one are atomic) and extensions', () => {
    const node = fromJSONSchemaProps(openAPIV3Schema);
    const spec = at(node, 'spec');
    expect(spec.required).toEqual(['size']);
    expect(at(spec, 'tags').listType).toBe('set');
    expect(at(spec, 'hosts')).toMatchObject({ listType: 'map', listMapKeys: ['name'] });
    expect(at(spec, 'raw').listType).toBe('atomic');
    expect(at(spec, 'config').preserveUnknownFields).toBe(true);
    expect(at(spec, 'port').intOrString).toBe(true);
    expect(at(spec, 'template', 'apiVersion').type).toBe('string');
    expect(at(spec, 'template').embeddedResource).toBe(true);
  });

  it('registerCustom serves the schema with full ObjectMeta, unregisterCustom removes it', () => {
    const idx = createSchemaIndex();
    const gvk = { group: 'example.com', version: 'v1', kind: 'Widget' };
    idx.registerCustom(gvk, fromJSONSchemaProps(openAPIV3Schema));
    const root = idx.root(gvk);
    expect(at(root, 'metadata', 'labels').additional?.type).toBe('string');
    expect(at(root, 'spec', 'size').type).toBe('integer');
    idx.unregisterCustom(gvk);
    expect(idx.root(gvk)).toBeUndefined();
  });
});
