import { describe, expect, it } from 'vitest';
import type { Obj } from '../../../sandbox/contracts.ts';
import { createSchemaIndex } from '../../../sandbox/schema/index.ts';
import { recordUpdate, serverSideApply } from '../../../sandbox/merge/index.ts';

const index = createSchemaIndex();
const deploymentSchema = index.root({ group: 'apps', version: 'v1', kind: 'Deployment' });
const configMapSchema = index.root({ group: '', version: 'v1', kind: 'ConfigMap' });
const csrSchema = index.root({ group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest' });

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A Deployment as `kubectl apply` (client-side) sends it, after the server's decode-time defaults. */
function defaultedDeployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: 'default', creationTimestamp: null, labels: { app: 'nginx' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: {
      progressDeadlineSeconds: 600,
      replicas: 1,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx',
              imagePullPolicy: 'Always',
              ports: [{ containerPort: 8888, protocol: 'TCP' }],
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: {},
  };
}

function update(old: Obj | undefined, updated: Obj, manager: string, extra: { subresource?: string; schema?: typeof deploymentSchema; apiVersion?: string; now?: string } = {}): Any {
  return recordUpdate({
    old,
    updated,
    manager,
    schema: extra.schema ?? deploymentSchema,
    apiVersion: extra.apiVersion ?? 'apps/v1',
    subresource: extra.subresource,
    now: extra.now ?? '2026-01-01T00:00:00Z',
    statusSubresource: true,
  }) as Any;
}

describe('recordUpdate', () => {
  it('on create owns every field, with `.` exactly where kubectl shows it (Deployment)', () => {
    // fieldsV1 quoted from github.com/sh0rez/kubectl-neat-diff README (kubectl get -o yaml of a Deployment):
    // non-pointer structs (spec, strategy, template) carry no `.`, new maps and list items do.
    const out = update(undefined, defaultedDeployment(), 'kubectl-client-side-apply');
    const container = {
      '.': {},
      'f:image': {},
      'f:imagePullPolicy': {},
      'f:name': {},
      'f:ports': { '.': {}, 'k:{"containerPort":8888,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
      'f:resources': {},
      'f:terminationMessagePath': {},
      'f:terminationMessagePolicy': {},
    };
    expect(out['metadata']['managedFields']).toEqual([
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2026-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': {
            'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} },
            'f:labels': { '.': {}, 'f:app': {} },
          },
          'f:spec': {
            'f:progressDeadlineSeconds': {},
            'f:replicas': {},
            'f:revisionHistoryLimit': {},
            'f:selector': {},
            'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': {
                'f:containers': { 'k:{"name":"nginx"}': container },
                'f:dnsPolicy': {},
                'f:restartPolicy': {},
                'f:schedulerName': {},
                'f:securityContext': {},
                'f:terminationGracePeriodSeconds': {},
              },
            },
          },
        },
      },
    ]);
  });

  it('kubectl create configmap: the data map gets `.`; a CSR spec does not (non-pointer struct)', () => {
    // Shapes as `kubectl get -o yaml` prints them after `kubectl create cm` / `kubectl create -f csr.yaml`.
    const cm = update(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'redis-conf' }, data: { 'redis.conf': 'x' } }, 'kubectl-create', { schema: configMapSchema, apiVersion: 'v1' });
    expect(cm['metadata']['managedFields'][0]['fieldsV1']).toEqual({ 'f:data': { '.': {}, 'f:redis.conf': {} } });
    const csr = update(
      undefined,
      { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'x' }, spec: { groups: ['system:authenticated'], request: 'LS0=', signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }, status: {} },
      'kubectl-create',
      { schema: csrSchema, apiVersion: 'certificates.k8s.io/v1' },
    );
    expect(csr['metadata']['managedFields'][0]['fieldsV1']).toEqual({ 'f:spec': { 'f:groups': {}, 'f:request': {}, 'f:signerName': {}, 'f:usages': {} } });
  });

  it('an update moves changed fields from their owners to the writer and keeps the rest', () => {
    const created = update(undefined, defaultedDeployment(), 'kubectl-client-side-apply');
    const edited = structuredClone(created);
    edited['spec']['replicas'] = 3;
    edited['metadata']['labels']['extra'] = 'yes';
    const out = update(created, edited, 'kubectl-edit', { now: '2026-01-01T00:05:00Z' });
    const [csa, edit] = out['metadata']['managedFields'];
    expect(csa['manager']).toBe('kubectl-client-side-apply');
    expect(csa['fieldsV1']['f:spec']['f:replicas']).toBeUndefined();
    expect(edit).toEqual({
      manager: 'kubectl-edit',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2026-01-01T00:05:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:extra': {} } }, 'f:spec': { 'f:replicas': {} } },
    });
  });

  it('a write that changes nothing keeps managedFields and their times', () => {
    const created = update(undefined, defaultedDeployment(), 'kubectl-create');
    expect(update(created, structuredClone(created), 'someone', { now: '2030-01-01T00:00:00Z' })).toEqual(created);
  });

  it('records the subresource and ignores managedFields sent to it (kubectl scale)', () => {
    const created = update(undefined, defaultedDeployment(), 'kubectl-create');
    const scaled = structuredClone(created);
    scaled['spec']['replicas'] = 4;
    scaled['metadata']['managedFields'] = [];
    const out = update(created, scaled, 'kubectl-scale', { subresource: 'scale' });
    const scale = out['metadata']['managedFields'].find((e: Any) => e['manager'] === 'kubectl-scale');
    expect(scale).toMatchObject({ operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
    expect(out['metadata']['managedFields']).toHaveLength(2);
  });

  it('status writes own status only; main-resource writes never own status (resetFields)', () => {
    const created = update(undefined, defaultedDeployment(), 'kubectl-create');
    const withStatus = structuredClone(created);
    withStatus['status'] = { replicas: 1, readyReplicas: 1 };
    const out = update(created, withStatus, 'kube-controller-manager', { subresource: 'status' });
    const kcm = out['metadata']['managedFields'].find((e: Any) => e['manager'] === 'kube-controller-manager');
    expect(kcm['fieldsV1']).toEqual({ 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } });
    expect(kcm['subresource']).toBe('status');
  });

  it('managedFields written by a client replace the stored ones; [] resets tracking (kubectl/Flux migration)', () => {
    const created = update(undefined, defaultedDeployment(), 'kubectl-client-side-apply');
    const migrated = structuredClone(created);
    migrated['metadata']['managedFields'][0]['manager'] = 'kubectl';
    migrated['metadata']['managedFields'][0]['operation'] = 'Apply';
    const out = update(created, migrated, 'kubectl');
    expect(out['metadata']['managedFields'].map((e: Any) => `${e['manager']}/${e['operation']}`)).toEqual(['kubectl/Apply']);
    const reset = structuredClone(created);
    reset['metadata']['managedFields'] = [];
    reset['spec']['replicas'] = 2;
    expect(update(created, reset, 'kubectl')['metadata']['managedFields']).toBeUndefined();
  });

  it('an applier then conflicts with the Update owner (SSA ownership on ordinary writes)', () => {
    const created = update(undefined, defaultedDeployment(), 'kubectl-create');
    expect(() =>
      serverSideApply({
        live: created,
        applied: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx' }, spec: { replicas: 2 } },
        manager: 'driftless',
        force: false,
        schema: deploymentSchema,
        apiVersion: 'apps/v1',
        now: '2026-01-01T00:01:00Z',
      }),
    ).toThrow('Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas');
  });
});

describe('recordUpdate caps Update entries', () => {
  it('folds the oldest Update managers into ancient-changes beyond ten (capmanagers.go)', () => {
    let obj: Any = update(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k0: 'v' } }, 'm00', { schema: configMapSchema, apiVersion: 'v1', now: '2026-01-01T00:00:00Z' });
    for (let i = 1; i <= 11; i++) {
      const next = structuredClone(obj);
      next['data'][`k${i}`] = 'v';
      const now = `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`;
      obj = update(obj, next, `m${String(i).padStart(2, '0')}`, { schema: configMapSchema, apiVersion: 'v1', now });
    }
    const entries = obj['metadata']['managedFields'] as Any[];
    expect(entries).toHaveLength(10);
    const ancient = entries.find((e) => e['manager'] === 'ancient-changes');
    expect(Object.keys(ancient!['fieldsV1']['f:data']).sort()).toEqual(['.', 'f:k0', 'f:k1', 'f:k2']);
    expect(entries.map((e) => e['manager'])).not.toContain('m00');
    expect(entries.map((e) => e['manager'])).toContain('m11');
  });
});
