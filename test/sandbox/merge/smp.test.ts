import { describe, expect, it } from 'vitest';
import { createSchemaIndex } from '../../../sandbox/schema/index.ts';
import { strategicMergePatch } from '../../../sandbox/merge/index.ts';

const index = createSchemaIndex();
const deploymentSchema = index.root({ group: 'apps', version: 'v1', kind: 'Deployment' });

function deployment() {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', finalizers: ['a', 'b'], labels: { app: 'web' } },
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        spec: {
          containers: [
            { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }] },
            { name: 'sidecar', image: 'side:1' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
}

describe('strategicMergePatch', () => {
  it('merges containers by name and env by name, keeping unmentioned items and fields', () => {
    const out = strategicMergePatch(
      deployment(),
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2', env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }] }] } } } },
      deploymentSchema,
    );
    const containers = (out as ReturnType<typeof deployment>).spec.template.spec.containers;
    expect(containers.map((c) => c.name)).toEqual(['app', 'sidecar']);
    expect(containers[0]!.image).toBe('app:2');
    expect(containers[0]!.env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: 'two' }, { name: 'C', value: '3' }]);
    expect(containers[0]!.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('$patch: delete removes a list item by merge key; null deletes a field', () => {
    const out = strategicMergePatch(
      deployment(),
      { metadata: { labels: { app: null } }, spec: { replicas: null, template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
      deploymentSchema,
    ) as ReturnType<typeof deployment>;
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['app']);
    expect(out.metadata.labels).toEqual({});
    expect('replicas' in out.spec).toBe(false);
  });

  it('$patch: replace replaces a map or a whole list', () => {
    const out = strategicMergePatch(
      deployment(),
      { metadata: { labels: { $patch: 'replace', only: 'this' } }, spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'solo', image: 's' }] } } } },
      deploymentSchema,
    ) as ReturnType<typeof deployment>;
    expect(out.metadata.labels).toEqual({ only: 'this' });
    expect(out.spec.template.spec.containers).toEqual([{ name: 'solo', image: 's' }]);
  });

  it('$retainKeys drops keys not listed (strategy type change to Recreate)', () => {
    const out = strategicMergePatch(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, deploymentSchema) as ReturnType<typeof deployment>;
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('primitive merge lists (finalizers) union, $deleteFromPrimitiveList removes', () => {
    const added = strategicMergePatch(deployment(), { metadata: { finalizers: ['b', 'c'] } }, deploymentSchema) as ReturnType<typeof deployment>;
    expect(added.metadata.finalizers).toEqual(['a', 'b', 'c']);
    const removed = strategicMergePatch(deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, deploymentSchema) as ReturnType<typeof deployment>;
    expect(removed.metadata.finalizers).toEqual(['b']);
  });

  it('$setElementOrder orders the merged list', () => {
    const out = strategicMergePatch(
      deployment(),
      { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }], containers: [{ name: 'app', image: 'app:3' }] } } } },
      deploymentSchema,
    ) as ReturnType<typeof deployment>;
    expect(out.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['sidecar=side:1', 'app=app:3']);
  });

  it('lists without a merge strategy are replaced (container args)', () => {
    const base = { spec: { template: { spec: { containers: [{ name: 'app', args: ['a', 'b'] }] } } } };
    const out = strategicMergePatch(base, { spec: { template: { spec: { containers: [{ name: 'app', args: ['c'] }] } } } }, deploymentSchema);
    expect(out).toEqual({ spec: { template: { spec: { containers: [{ name: 'app', args: ['c'] }] } } } });
  });

  it('an item without its merge key is an error', () => {
    expect(() => strategicMergePatch(deployment(), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, deploymentSchema)).toThrow(
      'does not contain declared merge key: name',
    );
  });
});

describe('strategicMergePatch $setElementOrder with server-only items', () => {
  it('keeps server-only items where they were relative to the ordered ones (normalizeElementOrder)', () => {
    const base = { spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'injected' }, { name: 'b' }] } } } };
    const out = strategicMergePatch(
      base,
      { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'c', image: 'c' }] } } } },
      deploymentSchema,
    ) as typeof base;
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['a', 'injected', 'b', 'c']);
  });
});

describe('strategicMergePatch directive errors (mergepatch/errors.go)', () => {
  it('rejects fields outside $retainKeys and malformed directive values with 400', () => {
    const bad = (patch: unknown) => () => strategicMergePatch({ metadata: { finalizers: ['a'] }, spec: { strategy: { type: 'RollingUpdate' } } }, patch, deploymentSchema);
    expect(bad({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } })).toThrow('invalid patch format of retainKeys');
    expect(bad({ metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } })).toThrow('invalid patch format of primitive list');
    expect(bad({ spec: { '$setElementOrder/x': {} } })).toThrow('invalid patch format of setElementOrder list');
  });
});
