import { describe, expect, it } from 'vitest';
import { ApiError, type Obj } from '../../../sandbox/contracts.ts';
import { createSchemaIndex, fromJSONSchemaProps } from '../../../sandbox/schema/index.ts';
import { recordUpdate, serverSideApply } from '../../../sandbox/merge/index.ts';

const index = createSchemaIndex();
const deploymentSchema = index.root({ group: 'apps', version: 'v1', kind: 'Deployment' });
const configMapSchema = index.root({ group: '', version: 'v1', kind: 'ConfigMap' });

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let clock = 0;
function tick(): string {
  clock += 1;
  return new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString().replace('.000Z', 'Z');
}

function apply(live: Obj | undefined, applied: Obj, manager: string, opts: { force?: boolean; schema?: typeof deploymentSchema; statusSubresource?: boolean } = {}): Any {
  return serverSideApply({
    live,
    applied,
    manager,
    force: opts.force ?? false,
    schema: opts.schema ?? deploymentSchema,
    apiVersion: 'apps/v1',
    now: tick(),
    statusSubresource: opts.statusSubresource,
  }) as Any;
}

function conflict(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected a conflict');
}

function deployment(replicas: number, containers: Obj[] = [{ name: 'nginx', image: 'nginx:1.25' }], labels: Record<string, string> = { app: 'web' }): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers } } },
  };
}

function entry(obj: Any, manager: string, operation = 'Apply'): Any | undefined {
  return (obj['metadata']['managedFields'] as Any[]).find((e) => e['manager'] === manager && e['operation'] === operation);
}

describe('serverSideApply', () => {
  it('records the applier\'s fields like the docs example (ConfigMap test-cm)', () => {
    // kubernetes.io/docs/reference/using-api/server-side-apply/ ("Field management" example).
    const out = serverSideApply({
      live: undefined,
      applied: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } }, data: { key: 'some value' } },
      manager: 'kubectl',
      force: false,
      schema: configMapSchema,
      apiVersion: 'v1',
      now: '2010-10-10T00:00:00Z',
    }) as Any;
    expect(out['metadata']['managedFields']).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: '2010-10-10T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:test-label': {} } }, 'f:data': { 'f:key': {} } },
      },
    ]);
    expect(out['data']).toEqual({ key: 'some value' });
  });

  it('records list-map items with `k:` keys and `.` (containers by name, ports by containerPort+defaulted protocol)', () => {
    const out = apply(undefined, deployment(2, [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }]), 'kubectl');
    expect(entry(out, 'kubectl')!['fieldsV1']['f:spec']['f:template']['f:spec']).toEqual({
      'f:containers': {
        'k:{"name":"nginx"}': {
          '.': {},
          'f:image': {},
          'f:name': {},
          'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
        },
      },
    });
    expect(entry(out, 'kubectl')!['fieldsV1']['f:spec']['f:selector']).toEqual({});
  });

  it('a second manager changing an owned field conflicts with the real message and cause', () => {
    const live = apply(undefined, deployment(2), 'kubectl');
    const err = conflict(() => apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } }, 'hpa'));
    expect(err.status).toBe(409);
    expect(err.reason).toBe('Conflict');
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    expect(err.details?.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }]);
  });

  it('several conflicts use the plural form grouped by manager', () => {
    const live = apply(undefined, deployment(2), 'kubectl');
    const err = conflict(() => apply(live, deployment(3, [{ name: 'nginx', image: 'nginx:2' }]), 'argo'));
    expect(err.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl":\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
    expect(err.details?.causes).toHaveLength(2);
  });

  it('applying the same value shares ownership; a later change by either then conflicts', () => {
    const first = apply(undefined, deployment(2), 'kubectl');
    const shared = apply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } }, 'other');
    expect(entry(shared, 'other')!['fieldsV1']).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(shared, 'kubectl')!['fieldsV1']['f:spec']['f:replicas']).toEqual({});
    expect(conflict(() => apply(shared, deployment(4), 'kubectl')).message).toBe('Apply failed with 1 conflict: conflict with "other": .spec.replicas');
  });

  it('force takes the field over: the value changes and the old owner loses it', () => {
    const live = apply(undefined, deployment(2), 'kubectl');
    const forced = apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 5 } }, 'hpa', { force: true });
    expect(forced['spec']['replicas']).toBe(5);
    expect(entry(forced, 'hpa')!['fieldsV1']).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(forced, 'kubectl')!['fieldsV1']['f:spec']['f:replicas']).toBeUndefined();
    // kubectl no longer owns replicas: it can stop sending it without removing it.
    const without = deployment(2);
    delete (without['spec'] as Any)['replicas'];
    expect(apply(forced, without, 'kubectl')['spec']['replicas']).toBe(5);
  });

  it('removes fields the applier stopped sending, unless another manager owns them', () => {
    const live = apply(undefined, deployment(2, undefined, { app: 'web', tier: 'front', team: 'a' }), 'kubectl');
    const withOther = apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { team: 'a' } } }, 'labeler');
    const next = apply(withOther, deployment(2, undefined, { app: 'web' }), 'kubectl');
    expect(next['metadata']['labels']).toEqual({ app: 'web', team: 'a' });
    expect(entry(next, 'kubectl')!['fieldsV1']['f:metadata']).toEqual({ 'f:labels': { 'f:app': {} } });
  });

  it('merges containers by name: another manager\'s sidecar survives the first applier\'s re-apply', () => {
    const live = apply(undefined, deployment(2), 'kubectl');
    const sidecar = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'proxy', image: 'envoy:1', env: [{ name: 'A', value: '1' }] }] } } },
    };
    const both = apply(live, sidecar, 'mesh');
    expect(both['spec']['template']['spec']['containers'].map((c: Any) => c['name'])).toEqual(['nginx', 'proxy']);
    const reapplied = apply(both, deployment(2, [{ name: 'nginx', image: 'nginx:1.26' }]), 'kubectl');
    expect(reapplied['spec']['template']['spec']['containers']).toEqual([
      { name: 'nginx', image: 'nginx:1.26' },
      { name: 'proxy', image: 'envoy:1', env: [{ name: 'A', value: '1' }] },
    ]);
  });

  it('drops a whole container the applier no longer sends, including unowned defaulted fields', () => {
    const live = apply(undefined, deployment(1, [{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }]), 'kubectl');
    (live['spec']['template']['spec']['containers'][1] as Any)['imagePullPolicy'] = 'IfNotPresent';
    const next = apply(live, deployment(1, [{ name: 'a', image: 'a' }]), 'kubectl');
    expect(next['spec']['template']['spec']['containers']).toEqual([{ name: 'a', image: 'a' }]);
  });

  it('ports are keyed by containerPort and protocol, the protocol defaulting to TCP', () => {
    const live = apply(undefined, deployment(1, [{ name: 'a', image: 'a', ports: [{ containerPort: 53 }] }]), 'kubectl');
    // The server defaults protocol; re-applying the same config is then a no-op.
    (live['spec']['template']['spec']['containers'][0]['ports'][0] as Any)['protocol'] = 'TCP';
    expect(apply(live, deployment(1, [{ name: 'a', image: 'a', ports: [{ containerPort: 53 }] }]), 'kubectl')).toEqual(live);
    const both = apply(live, deployment(1, [{ name: 'a', image: 'a', ports: [{ containerPort: 53 }, { containerPort: 53, protocol: 'UDP' }] }]), 'kubectl');
    expect(both['spec']['template']['spec']['containers'][0]['ports']).toEqual([{ containerPort: 53, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]);
  });

  it('set lists (finalizers) merge per value across managers and prune per value', () => {
    const meta = (finalizers: string[]) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', finalizers } });
    const a = apply(undefined, meta(['a.example.com/x']), 'a');
    const ab = apply(a, meta(['b.example.com/y']), 'b');
    expect(ab['metadata']['finalizers']).toEqual(['a.example.com/x', 'b.example.com/y']);
    expect(entry(ab, 'b')!['fieldsV1']).toEqual({ 'f:metadata': { 'f:finalizers': { 'v:"b.example.com/y"': {} } } });
    const bOnly = apply(ab, meta([]), 'a');
    expect(bOnly['metadata']['finalizers']).toEqual(['b.example.com/y']);
  });

  it('a no-op apply returns an object deep-equal to live (time kept, no new resourceVersion needed)', () => {
    const live = apply(undefined, deployment(2), 'kubectl');
    live['metadata']['resourceVersion'] = '7';
    live['metadata']['uid'] = 'u';
    expect(apply(live, deployment(2), 'kubectl')).toEqual(live);
  });

  it('never removes fields of client-side-apply managers; force only moves their ownership', () => {
    const live = apply(undefined, deployment(2, undefined, { app: 'web', old: 'x' }), 'kubectl');
    const migrated: Any = structuredClone(live);
    migrated['metadata']['managedFields'][0]['manager'] = 'kubectl-client-side-apply';
    migrated['metadata']['managedFields'][0]['operation'] = 'Update';
    const ssa = apply(migrated, deployment(2, undefined, { app: 'web' }), 'kubectl');
    expect(ssa['metadata']['labels']).toEqual({ app: 'web', old: 'x' });
    const err = conflict(() => apply(ssa, deployment(3), 'kubectl'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    const forced = apply(ssa, deployment(3), 'kubectl', { force: true });
    expect(entry(forced, 'kubectl-client-side-apply', 'Update')!['fieldsV1']['f:spec']['f:replicas']).toBeUndefined();
    expect(forced['metadata']['labels']['old']).toBe('x');
  });

  it('conflicts with Update managers name subresource and apiVersion (kubectl scale)', () => {
    const live = apply(undefined, deployment(2), 'kubectl');
    const scaled = recordUpdate({
      old: live,
      updated: { ...live, spec: { ...live['spec'], replicas: 5 } },
      manager: 'kubectl-scale',
      schema: deploymentSchema,
      apiVersion: 'apps/v1',
      subresource: 'scale',
      now: tick(),
    });
    expect(conflict(() => apply(scaled, deployment(2), 'kubectl')).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-scale" with subresource "scale" using apps/v1: .spec.replicas',
    );
  });

  it('objects without managedFields get a before-first-apply entry', () => {
    const live = { ...deployment(2), metadata: { name: 'web', namespace: 'default', uid: 'u', labels: { app: 'web' } } };
    const out = apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { paused: true } }, 'kubectl');
    expect(entry(out, 'before-first-apply', 'Update')!['fieldsV1']['f:spec']['f:replicas']).toEqual({});
    expect(out['metadata']['managedFields'].map((e: Any) => `${e['manager']}/${e['operation']}`)).toEqual(['kubectl/Apply', 'before-first-apply/Update']);
  });

  it('status sent to the main resource of a type with a status subresource is ignored', () => {
    const live = apply(undefined, deployment(2), 'kubectl', { statusSubresource: true });
    live['status'] = { replicas: 2 };
    const out = apply(live, { ...deployment(2), status: { replicas: 9 } }, 'kubectl', { statusSubresource: true });
    expect(out['status']).toEqual({ replicas: 2 });
    expect(entry(out, 'kubectl')!['fieldsV1']['f:status']).toBeUndefined();
  });

  it('rejects managedFields in the applied object and duplicate list keys', () => {
    const bad = { ...deployment(1), metadata: { name: 'web', managedFields: [] } };
    expect(conflict(() => apply(undefined, bad, 'kubectl')).status).toBe(400);
    const dup = deployment(1, [{ name: 'a', image: 'a' }, { name: 'a', image: 'b' }]);
    expect(conflict(() => apply(undefined, dup, 'kubectl')).message).toBe('.spec.template.spec.containers: duplicate entries for key [name="a"]');
  });

  it('list-map keys fall back to their schema default (Container name "" ), else the item is rejected', () => {
    const keyless = apply(undefined, deployment(1, [{ image: 'a' }]), 'kubectl');
    expect(Object.keys(entry(keyless, 'kubectl')!['fieldsV1']['f:spec']['f:template']['f:spec']['f:containers'])).toEqual(['k:{"name":""}']);
    const idx = createSchemaIndex();
    const gvk = { group: 'example.com', version: 'v1', kind: 'Route' };
    const hosts = { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['host'], items: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer' } } } };
    idx.registerCustom(gvk, fromJSONSchemaProps({ type: 'object', properties: { spec: { type: 'object', properties: { hosts } } } }));
    const err = conflict(() => apply(undefined, { apiVersion: 'example.com/v1', kind: 'Route', metadata: { name: 'r' }, spec: { hosts: [{ port: 1 }] } }, 'm', { schema: idx.root(gvk) }));
    expect(err.status).toBe(500);
    expect(err.message).toBe('.spec.hosts: element 0: associative list with keys has an element that omits key field "host" (and doesn\'t have default value)');
  });

  it('atomic lists (container args) are replaced whole', () => {
    const live = apply(undefined, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w' }, spec: { template: { spec: { containers: [{ name: 'a', args: ['1', '2'] }] } } } }, 'a');
    const out = apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w' }, spec: { template: { spec: { containers: [{ name: 'a', args: ['3'] }] } } } }, 'a');
    expect(out['spec']['template']['spec']['containers'][0]['args']).toEqual(['3']);
    expect(entry(out, 'a')!['fieldsV1']['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"a"}']['f:args']).toEqual({});
  });

  it('custom resources: lists without a list type are atomic, preserved maps are granular', () => {
    const idx = createSchemaIndex();
    const gvk = { group: 'example.com', version: 'v1', kind: 'Widget' };
    idx.registerCustom(
      gvk,
      fromJSONSchemaProps({
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: {
              hosts: { type: 'array', items: { type: 'string' } },
              config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      }),
    );
    const schema = idx.root(gvk);
    const cr = (hosts: string[], config: Obj) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { hosts, config } });
    const live = apply(undefined, cr(['a', 'b'], { a: { b: 1 } }), 'one', { schema });
    // Keys of a preserved map are not declared fields, so they are members themselves (`.`).
    expect(entry(live, 'one')!['fieldsV1']).toEqual({ 'f:spec': { 'f:config': { 'f:a': { '.': {}, 'f:b': {} } }, 'f:hosts': {} } });
    const two = apply(live, cr(['c'], { a: { c: 2 } }), 'two', { schema, force: true });
    expect(two['spec']).toEqual({ hosts: ['c'], config: { a: { b: 1, c: 2 } } });
  });
});

describe('serverSideApply after client-side kubectl apply', () => {
  const LAST = 'kubectl.kubernetes.io/last-applied-configuration';
  function csaCreated(): Any {
    const config = deployment(2);
    const sent = structuredClone(config) as Any;
    sent['metadata']['annotations'] = { [LAST]: JSON.stringify(config) };
    return recordUpdate({ old: undefined, updated: sent, manager: 'kubectl-client-side-apply', schema: deploymentSchema, apiVersion: 'apps/v1', now: tick() });
  }

  it('kubectl may take over fields still holding their last-applied value (lastappliedmanager.go) and the annotation follows', () => {
    const out = apply(csaCreated(), deployment(3), 'kubectl');
    expect(out['spec']['replicas']).toBe(3);
    expect(entry(out, 'kubectl')!['fieldsV1']['f:spec']['f:replicas']).toEqual({});
    expect(JSON.parse(out['metadata']['annotations'][LAST])['spec']['replicas']).toBe(3);
    expect(out['metadata']['annotations'][LAST].endsWith('}\n')).toBe(true);
  });

  it('fields changed since the last client-side apply still conflict, and only those are reported', () => {
    const live = csaCreated();
    const edited = structuredClone(live);
    edited['spec']['template']['spec']['containers'][0]['image'] = 'nginx:edited';
    const afterEdit = recordUpdate({ old: live, updated: edited, manager: 'kubectl-edit', schema: deploymentSchema, apiVersion: 'apps/v1', now: tick() });
    const err = conflict(() => apply(afterEdit, deployment(3, [{ name: 'nginx', image: 'nginx:2' }]), 'kubectl'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.template.spec.containers[name="nginx"].image');
  });

  it('other managers get no such leniency', () => {
    expect(conflict(() => apply(csaCreated(), deployment(3), 'helm')).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
  });
});

describe('serverSideApply to the status subresource', () => {
  it('owns only status, keyed by subresource, leaving spec alone', () => {
    const live = apply(undefined, deployment(2), 'kubectl', { statusSubresource: true });
    const out = serverSideApply({
      live,
      applied: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 9 }, status: { replicas: 2 } },
      manager: 'kubectl',
      force: false,
      schema: deploymentSchema,
      apiVersion: 'apps/v1',
      subresource: 'status',
      now: tick(),
      statusSubresource: true,
    }) as Any;
    expect(out['spec']['replicas']).toBe(2);
    expect(out['status']).toEqual({ replicas: 2 });
    const statusEntry = (out['metadata']['managedFields'] as Any[]).find((e) => e['subresource'] === 'status');
    expect(statusEntry).toMatchObject({ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:status': { 'f:replicas': {} } } });
    expect(entry(out, 'kubectl')!['fieldsV1']['f:spec']['f:replicas']).toEqual({});
  });
});

describe('serverSideApply status handling without an explicit statusSubresource', () => {
  it('assumes built-ins with a status have the subresource; false turns that off', () => {
    const args = (live: Obj | undefined, statusSubresource?: boolean) => ({
      live,
      applied: { ...deployment(1), status: { replicas: 7 } },
      manager: 'm',
      force: false,
      schema: deploymentSchema,
      apiVersion: 'apps/v1',
      now: tick(),
      statusSubresource,
    });
    expect((serverSideApply(args(undefined)) as Any)['status']).toBeUndefined();
    const owned = serverSideApply(args(undefined, false)) as Any;
    expect(owned['status']).toEqual({ replicas: 7 });
    expect(entry(owned, 'm')!['fieldsV1']['f:status']).toEqual({ 'f:replicas': {} });
  });
});

describe('serverSideApply with nulls in the configuration', () => {
  it('a null scalar removes the value (Go omits nil) yet the applier owns the field; template creationTimestamp: null stays', () => {
    const config = deployment(2) as Any;
    config['spec']['template']['metadata']['creationTimestamp'] = null;
    const live = apply(undefined, config, 'kubectl');
    expect(live['spec']['template']['metadata']).toEqual({ creationTimestamp: null, labels: { app: 'web' } });
    const nulled = structuredClone(config);
    nulled['spec']['replicas'] = null;
    const out = apply(live, nulled, 'kubectl');
    expect('replicas' in out['spec']).toBe(false);
    expect(entry(out, 'kubectl')!['fieldsV1']['f:spec']['f:replicas']).toEqual({});
  });
});
