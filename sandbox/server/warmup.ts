import type { Obj, SchemaIndex } from '../contracts.ts';
import { Cluster } from './cluster.ts';
import { serviceAllocator, startControllers } from './deps.ts';
import { Host } from './host.ts';
import type { Registry } from './registry.ts';
import { metaOf, Store } from './store.ts';
import { patchObject } from './verbs.ts';

const namespace = 'sandbox-warm-up';

function manifests(i: number, version: number): Array<[group: string, resource: string, body: Obj]> {
  const name = `warm-${i}`;
  const meta = { name, namespace, labels: { app: name } };
  return [
    ['', 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { index: String(i), version: String(version) } }],
    ['', 'secrets', { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'Opaque', data: { token: Buffer.from(`${i}-${version}`).toString('base64') } }],
    ['', 'services', { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 + version }] } }],
    ['', 'serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { ...meta, annotations: { version: String(version) } } }],
    ['apps', 'deployments', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta,
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: `nginx:1.${version}`, ports: [{ containerPort: 80 }] }] } } },
    }],
  ];
}

const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * Runs the request pipeline (server-side apply and its dry run, create and update, no-ops, reads,
 * serialisation) and the controllers' reactions a few hundred times on a throwaway store, so that
 * V8 has compiled the hot paths before the first client request. Without it the first few hundred
 * requests cost several times the later ones, and a benchmark's first client pays for everyone.
 * Nothing of it is visible: its own store, no requests counted, and the cluster IPs its Services
 * took from the process-wide allocator are handed back.
 */
export async function warmUp(registry: Registry, schemas: SchemaIndex, objects = 40): Promise<void> {
  const cluster = new Cluster(registry, new Store(1000), schemas);
  const host = new Host(cluster);
  const stopControllers = startControllers(host, { readyDelayMs: 1 });
  try {
    const nsInfo = registry.lookup('', 'v1', 'namespaces')!;
    cluster.create(nsInfo, undefined, { metadata: { name: namespace } }, { manager: 'kube-apiserver', internal: true });
    for (const version of [1, 2, 2]) {
      for (const dryRun of [true, false]) {
        for (let i = 0; i < objects; i++) {
          for (const [group, resource, body] of manifests(i, version)) {
            const info = registry.lookup(group, 'v1', resource)!;
            // A dry-run create of a Service would take a cluster IP nobody hands back.
            if (dryRun && resource === 'services' && !cluster.store.get(info, namespace, `warm-${i}`)) continue;
            const opts = { manager: 'warm-up', explicitManager: 'warm-up', force: true, dryRun, warnings: [] };
            const { object } = patchObject(cluster, info, namespace, `warm-${i}`, 'application/apply-patch+yaml', JSON.stringify(body), opts);
            JSON.stringify(cluster.view(info, object));
          }
        }
        await turn();
      }
    }
    for (let round = 0; round < 3; round++) {
      for (const [group, resource] of manifests(0, 1)) {
        const info = registry.lookup(group, 'v1', resource)!;
        JSON.stringify(cluster.store.list(info, namespace).map((o) => cluster.view(info, o)));
        for (let i = 0; i < objects; i++) JSON.stringify(cluster.view(info, cluster.store.get(info, namespace, `warm-${i}`) ?? {}));
      }
      await turn();
    }
    // Pods turn ready after a millisecond here: let the controllers carry the rollouts through.
    for (let i = 0; i < 10; i++) await turn();
  } finally {
    stopControllers();
    host.stop();
    const svcInfo = registry.lookup('', 'v1', 'services')!;
    for (const svc of cluster.store.list(svcInfo, namespace)) if (metaOf(svc).namespace === namespace) serviceAllocator.release(svc);
  }
}
