import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/types.ts';
import { changedFields } from '../../src/drift/fields.ts';

const applied: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27', args: ['--a'], resources: { requests: { cpu: 0.5 } } }], volumes: [] } } },
};

function live(overrides: { replicas?: number; image?: string; args?: string[]; containers?: unknown[]; managedFields?: unknown[] } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', extra: 'someone' }, managedFields: (overrides.managedFields ?? []) as KubeObject['metadata']['managedFields'] },
    spec: {
      replicas: overrides.replicas ?? 2,
      progressDeadlineSeconds: 600,
      template: { spec: { containers: overrides.containers ?? [{ name: 'sidecar', image: 'envoy' }, { name: 'web', image: overrides.image ?? 'nginx:1.27', args: overrides.args ?? ['--a'], resources: { requests: { cpu: '500m' } }, imagePullPolicy: 'IfNotPresent' }] } },
    },
  };
}
// The dry run of the applied configuration: the server's forms (500m), its defaults, our values.
const expected = live();

describe('changedFields', () => {
  it('nothing when live equals the dry run on the applied paths: defaults, other fields, 500m, empty vs absent', () => {
    expect(changedFields(applied, expected, live())).toEqual([]);
  });

  it('names changed leaves by JSON pointer with the live index of keyed list items, and who holds them', () => {
    const managedFields = [
      { manager: 'driftless', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:args': {} } } } } } } },
      { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } } } },
      { manager: 'kubectl', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
    ];
    expect(changedFields(applied, expected, live({ replicas: 5, image: 'nginx:1.28', args: ['--b'], managedFields }))).toEqual([
      { path: '/spec/replicas', desired: 2, live: 5, manager: 'kubectl' },
      // Atomic lists compare whole.
      { path: '/spec/template/spec/containers/1/args', desired: ['--a'], live: ['--b'], manager: 'driftless' },
      { path: '/spec/template/spec/containers/1/image', desired: 'nginx:1.27', live: 'nginx:1.28', manager: 'kubectl-edit' },
    ]);
  });

  it('a keyed item removed from live is one field with no value on the live side', () => {
    expect(changedFields(applied, expected, live({ containers: [{ name: 'sidecar', image: 'envoy' }] }))).toEqual([
      { path: '/spec/template/spec/containers/1', desired: (expected.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers[1] },
    ]);
  });
});
