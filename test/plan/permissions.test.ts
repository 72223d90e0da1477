import { describe, expect, it } from 'vitest';
import { DriftlessError } from '../../src/core/errors.ts';
import type { KubeObject, Manifest } from '../../src/core/types.ts';
import type { ResourceType } from '../../src/ports/cluster.ts';
import { prepareDesired } from '../../src/plan/desired.ts';
import { grantAdvice, missingPermission } from '../../src/plan/permissions.ts';
import { planChanges } from '../../src/plan/plan.ts';
import { MemoryCluster } from '../support/memory-cluster.ts';
import { appConfig, configMap } from '../sync/fixtures.ts';
import { testKeyring } from '../support/keyring.ts';

const SA = 'system:serviceaccount:shop:driftless';
const forbidden = (message: string): DriftlessError => new DriftlessError('CLUSTER_UNAUTHORIZED', `${message} (403 Forbidden: grant driftless's identity this permission)`, { status: 403 });
const configMaps: ResourceType = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };

describe('missingPermission', () => {
  it('reads verb, resource, group and scope from the API server\'s 403 message', () => {
    expect(missingPermission(forbidden(`clusterroles.rbac.authorization.k8s.io is forbidden: User "${SA}" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope`), { verb: 'list', type: configMaps }))
      .toEqual({ verb: 'list', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' });
    expect(missingPermission(forbidden(`configmaps is forbidden: User "${SA}" cannot list resource "configmaps" in API group "" in the namespace "other"`), { verb: 'list', type: configMaps }))
      .toEqual({ verb: 'list', resource: 'configmaps', group: '', namespace: 'other' });
  });

  it('falls back to the request when the message does not say', () => {
    expect(missingPermission(forbidden('forbidden'), { verb: 'list', type: configMaps, namespace: 'shop' })).toEqual({ verb: 'list', resource: 'configmaps', group: '', namespace: 'shop' });
  });

  it('advises a Role for a namespace and a ClusterRole for the cluster scope', () => {
    expect(grantAdvice({ verb: 'list', resource: 'configmaps', group: '', namespace: 'shop' })).toBe('grant it a Role in namespace "shop" granting get, list, create, patch, delete on configmaps, bound to it with a RoleBinding in that namespace');
    expect(grantAdvice({ verb: 'list', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' })).toMatch(/^grant it a ClusterRole granting get, list, create, patch, delete on clusterroles\.rbac\.authorization\.k8s\.io, bound to it with a ClusterRoleBinding/);
  });
});

/** A cluster whose identity may not LIST ConfigMaps (and, with `noGet`, not GET them either). */
class NoListCluster extends MemoryCluster {
  noGet = false;
  gets: string[] = [];

  override async list(type: ResourceType, namespace?: string, options?: { labelSelector?: string }): Promise<KubeObject[]> {
    if (type.kind === 'ConfigMap') throw forbidden(`configmaps is forbidden: User "${SA}" cannot list resource "configmaps" in API group "" in the namespace "${namespace}"`);
    return super.list(type, namespace, options);
  }

  override async get(type: ResourceType, name: string, namespace?: string): Promise<KubeObject | undefined> {
    if (type.kind === 'ConfigMap') {
      if (this.noGet) throw forbidden(`configmaps "${name}" is forbidden: User "${SA}" cannot get resource "configmaps" in API group "" in the namespace "${namespace}"`);
      this.gets.push(name);
    }
    return super.get(type, name, namespace);
  }
}

const manifests = (...objects: KubeObject[]): Manifest[] => objects.map((object, i) => ({ object, origin: { file: `app/f${i}.yaml`, line: 1 } }));

describe('planChanges with a forbidden LIST', () => {
  const app = appConfig({ createNamespace: false });

  it('reads the rendered objects by name instead, and plans them as the LIST would have', async () => {
    const cluster = new NoListCluster();
    cluster.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    const desired = await prepareDesired(cluster, app, manifests(configMap('a'), configMap('b')), testKeyring);
    cluster.seed(structuredClone(desired[0]!.object), 'driftless', 'Apply');
    const detail = await planChanges({ cluster, appName: app.name, force: app.force, desired, inventory: undefined });
    expect(cluster.gets.sort()).toEqual(['a', 'b']);
    expect(Object.fromEntries(detail.items.map((i) => [i.desired.ref.name, i.action]))).toEqual({ a: 'unchanged', b: 'create' });
  });

  it('stops before any dry run when reading by name is forbidden too, naming file, permission and grant', async () => {
    const cluster = new NoListCluster();
    cluster.noGet = true;
    cluster.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    const desired = await prepareDesired(cluster, app, manifests(configMap('a'), configMap('b')), testKeyring);
    cluster.resetCounters();
    const planned = planChanges({ cluster, appName: app.name, force: app.force, desired, inventory: undefined });
    await expect(planned).rejects.toMatchObject({ code: 'CLUSTER_UNAUTHORIZED', details: { file: 'app/f0.yaml', permissions: [{ verb: 'list', resource: 'configmaps', group: '', namespace: 'shop' }] } });
    await expect(planned).rejects.toThrow(`app/f0.yaml:1: ConfigMap shop/a (and 1 more of this kind): driftless cannot read this kind: configmaps is forbidden: User "${SA}" cannot list resource "configmaps" in API group "" in the namespace "shop"; reading the objects by name was refused too; grant it a Role in namespace "shop"`);
    expect(cluster.counters.dryRun).toBe(0);
    expect(cluster.counters.writes).toBe(0);
  });
});
