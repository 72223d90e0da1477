import { afterEach, describe, expect, it } from 'vitest';
import type { Obj } from '../../../sandbox/contracts.ts';
import { startControllers } from '../../../sandbox/lifecycle/index.ts';
import { MemoryHost, res, resources } from './host.ts';
import { cluster, delay, deployment, get, status } from './support.ts';

let stop: () => void = () => {};
afterEach(() => stop());

const names = (objs: Obj[]): string[] => objs.map((o) => (o.metadata as Obj).name as string).sort();

describe('a fresh cluster', () => {
  it('has the four namespaces and default/kubernetes', () => {
    const c = cluster();
    stop = c.stop;
    expect(names(c.host.list(res('', 'Namespace')))).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const svc = get(c.host, '', 'Service', 'default', 'kubernetes');
    expect(svc.spec).toMatchObject({ clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], type: 'ClusterIP', ipFamilies: ['IPv4'] });
    expect((svc.metadata as Obj).labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
    expect(c.host.writes.find((w) => w.kind === 'Service')?.manager).toBe('kube-apiserver');
  });

  it('every namespace, old and new, gets its label, kube-root-ca.crt and ServiceAccount default', () => {
    const host = new MemoryHost();
    host.create(res('', 'Namespace'), { metadata: { name: 'restored' } }, 'kubectl');
    stop = startControllers(host, { readyDelayMs: delay, rootCA: 'PEM' });
    host.tick(0);
    host.create(res('', 'Namespace'), { metadata: { name: 'team' } }, 'kubectl');
    host.tick(0);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'restored', 'team']) {
      const cm = get(host, '', 'ConfigMap', ns, 'kube-root-ca.crt');
      expect(cm.data).toEqual({ 'ca.crt': 'PEM' });
      expect(((cm.metadata as Obj).annotations as Obj)['kubernetes.io/description']).toContain('kube-apiserver');
      expect(get(host, '', 'ServiceAccount', ns, 'default')).toBeDefined();
      expect(((get(host, '', 'Namespace', undefined, ns).metadata as Obj).labels as Obj)['kubernetes.io/metadata.name']).toBe(ns);
    }
    expect(host.writes.filter((w) => w.kind === 'ConfigMap').every((w) => w.manager === 'kube-controller-manager')).toBe(true);
  });

  it('puts kube-root-ca.crt back when it is deleted', () => {
    const c = cluster();
    stop = c.stop;
    c.host.delete(res('', 'ConfigMap'), 'default', 'kube-root-ca.crt');
    c.host.tick(0);
    expect(get(c.host, '', 'ConfigMap', 'default', 'kube-root-ca.crt')).toBeDefined();
  });
});

describe('namespace deletion', () => {
  it('goes Terminating, empties the namespace after a delay, then drops the kubernetes finalizer', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('', 'Namespace'), { metadata: { name: 'app' } }, 'kubectl');
    c.host.tick(0);
    c.host.create(res('', 'ConfigMap'), { metadata: { name: 'cfg', namespace: 'app' } }, 'kubectl');
    c.host.create(res('apps', 'Deployment'), { ...deployment('web', 'x:1'), metadata: { name: 'web', namespace: 'app' } }, 'kubectl');
    c.host.create(res('example.com', 'Widget'), { metadata: { name: 'w', namespace: 'app' } }, 'kubectl');
    c.host.tick(0);
    c.host.delete(res('', 'Namespace'), undefined, 'app');
    c.host.tick(0);
    const ns = get(c.host, '', 'Namespace', undefined, 'app');
    expect(status(ns).phase).toBe('Terminating');
    expect((ns.metadata as Obj).deletionTimestamp).toBeDefined();
    expect(c.host.list(res('', 'ConfigMap'), 'app').length).toBeGreaterThan(0);
    c.host.tick(delay - 1);
    expect(c.host.list(res('', 'ConfigMap'), 'app').length).toBeGreaterThan(0);
    c.host.tick(1);
    expect(c.host.list(res('', 'ConfigMap'), 'app')).toEqual([]);
    expect(c.host.list(res('apps', 'Deployment'), 'app')).toEqual([]);
    expect(c.host.list(res('example.com', 'Widget'), 'app')).toEqual([]);
    c.host.tick(delay);
    expect(c.host.get(res('', 'Namespace'), undefined, 'app')).toBeUndefined();
    const finalize = c.host.writes.find((w) => w.subresource === 'finalize');
    expect(finalize).toMatchObject({ kind: 'Namespace', name: 'app', manager: 'kube-controller-manager' });
    const terminating = c.host.events.filter((e) => e.resource.kind === 'Namespace' && (e.object.metadata as Obj).name === 'app' && e.type === 'MODIFIED').map((e) => status(e.object));
    expect(terminating.some((s) => Array.isArray(s.conditions) && (s.conditions as Obj[]).some((x) => x.type === 'NamespaceContentRemaining'))).toBe(true);
  });

  it('waits for content with finalizers before finalizing', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('', 'Namespace'), { metadata: { name: 'app' } }, 'kubectl');
    c.host.create(res('', 'ConfigMap'), { metadata: { name: 'held', namespace: 'app', finalizers: ['example.com/hold'] } }, 'kubectl');
    c.host.tick(0);
    c.host.delete(res('', 'Namespace'), undefined, 'app');
    c.host.tick(delay * 10);
    expect(c.host.get(res('', 'Namespace'), undefined, 'app')).toBeDefined();
    const held = get(c.host, '', 'ConfigMap', 'app', 'held');
    c.host.update(res('', 'ConfigMap'), { ...held, metadata: { ...(held.metadata as Obj), finalizers: [] } }, 'someone');
    c.host.tick(2000);
    expect(c.host.get(res('', 'Namespace'), undefined, 'app')).toBeUndefined();
  });
});

describe('objects stored before the controllers start (a restored state file)', () => {
  class ListingHost extends MemoryHost {
    resources(): typeof resources {
      return resources;
    }
  }

  it('are reconciled, and namespace deletion finds every served type through host.resources()', () => {
    const host = new ListingHost();
    host.create(res('', 'Namespace'), { metadata: { name: 'app' } }, 'kubectl');
    host.create(res('example.com', 'Widget'), { metadata: { name: 'w', namespace: 'app' } }, 'kubectl');
    host.create(res('apps', 'Deployment'), { ...deployment('web', 'x:1'), metadata: { name: 'web', namespace: 'app' } }, 'kubectl');
    stop = startControllers(host, { readyDelayMs: delay });
    host.tick(0);
    expect(host.list(res('apps', 'ReplicaSet'), 'app')).toHaveLength(1);
    host.delete(res('', 'Namespace'), undefined, 'app');
    host.tick(delay * 5);
    expect(host.list(res('example.com', 'Widget'), 'app')).toEqual([]);
    expect(host.get(res('', 'Namespace'), undefined, 'app')).toBeUndefined();
  });
});

describe('garbage collection via ownerReferences', () => {
  function withOwned(c: ReturnType<typeof cluster>): { owner: Obj } {
    const owner = c.host.create(res('', 'ConfigMap'), { metadata: { name: 'owner', namespace: 'default' } }, 'kubectl');
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: (owner.metadata as Obj).uid, blockOwnerDeletion: true };
    c.host.create(res('', 'Secret'), { metadata: { name: 'dep', namespace: 'default', ownerReferences: [ref] } }, 'kubectl');
    c.host.tick(0);
    return { owner };
  }

  it('background: dependents go after the owner is gone', () => {
    const c = cluster();
    stop = c.stop;
    withOwned(c);
    c.host.delete(res('', 'ConfigMap'), 'default', 'owner', 'Background');
    expect(c.host.get(res('', 'Secret'), 'default', 'dep')).toBeDefined();
    c.host.tick(0);
    expect(c.host.get(res('', 'Secret'), 'default', 'dep')).toBeUndefined();
  });

  it('deleting a Deployment deletes its ReplicaSets', () => {
    const c = cluster();
    stop = c.stop;
    c.host.create(res('apps', 'Deployment'), deployment('web', 'x:1'), 'kubectl');
    c.host.tick(delay);
    expect(c.host.list(res('apps', 'ReplicaSet'), 'default')).toHaveLength(1);
    c.host.delete(res('apps', 'Deployment'), 'default', 'web');
    c.host.tick(0);
    expect(c.host.list(res('apps', 'ReplicaSet'), 'default')).toEqual([]);
  });

  it('foreground: the owner keeps foregroundDeletion until its dependents are gone', () => {
    const c = cluster();
    stop = c.stop;
    withOwned(c);
    c.host.delete(res('', 'ConfigMap'), 'default', 'owner', 'Foreground');
    const marked = get(c.host, '', 'ConfigMap', 'default', 'owner');
    expect((marked.metadata as Obj).finalizers).toEqual(['foregroundDeletion']);
    const order: string[] = [];
    c.host.subscribe((e) => {
      if (e.type === 'DELETED') order.push((e.object.metadata as Obj).name as string);
    });
    c.host.tick(0);
    expect(order).toEqual(['dep', 'owner']);
    expect(c.host.get(res('', 'ConfigMap'), 'default', 'owner')).toBeUndefined();
  });

  it('orphan: dependents lose the ownerReference and stay', () => {
    const c = cluster();
    stop = c.stop;
    withOwned(c);
    c.host.delete(res('', 'ConfigMap'), 'default', 'owner', 'Orphan');
    expect((get(c.host, '', 'ConfigMap', 'default', 'owner').metadata as Obj).finalizers).toEqual(['orphan']);
    c.host.tick(0);
    expect(c.host.get(res('', 'ConfigMap'), 'default', 'owner')).toBeUndefined();
    const dep = get(c.host, '', 'Secret', 'default', 'dep');
    expect((dep.metadata as Obj).ownerReferences).toBeUndefined();
    c.host.tick(delay);
    expect(c.host.get(res('', 'Secret'), 'default', 'dep')).toBeDefined();
  });

  it('a dependent whose owner never existed is collected; one with a live owner left alone', () => {
    const c = cluster();
    stop = c.stop;
    withOwned(c);
    c.host.create(res('', 'Secret'), { metadata: { name: 'stray', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: 'nope' }] } }, 'kubectl');
    c.host.tick(0);
    expect(c.host.get(res('', 'Secret'), 'default', 'stray')).toBeUndefined();
    expect(c.host.get(res('', 'Secret'), 'default', 'dep')).toBeDefined();
  });
});

describe('stopping', () => {
  it('cancels timers and ignores later events', () => {
    const c = cluster();
    c.host.create(res('batch', 'Job'), { metadata: { name: 'pi', namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } }, 'kubectl');
    c.host.tick(0);
    c.stop();
    c.host.create(res('', 'Namespace'), { metadata: { name: 'late' } }, 'kubectl');
    c.host.tick(delay * 5);
    expect(status(get(c.host, 'batch', 'Job', 'default', 'pi')).conditions).toBeUndefined();
    expect(c.host.get(res('', 'ConfigMap'), 'late', 'kube-root-ca.crt')).toBeUndefined();
  });
});
