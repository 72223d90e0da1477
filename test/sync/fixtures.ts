import type { AppConfig } from '../../src/config/types.ts';
import type { KubeObject, Manifest } from '../../src/core/types.ts';
import type { Renderer } from '../../src/ports/renderer.ts';
import type { Source, SourceTree } from '../../src/ports/source.ts';
import type { SyncDeps } from '../../src/sync/sync.ts';
import { MemoryCluster } from '../support/memory-cluster.ts';
import { testKeyring } from '../support/keyring.ts';

export function appConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    name: 'shop',
    repository: 'demo',
    branch: 'main',
    path: 'app',
    cluster: 'test',
    namespace: 'shop',
    createNamespace: true,
    prune: true,
    selfHeal: false,
    force: true,
    allowEmpty: false,
    allowRemote: false,
    pruneProtected: { namespaces: false, crds: false, persistentVolumes: false, persistentVolumeClaims: false },
    allow: { namespaces: ['shop'], kinds: ['*'], clusterScoped: false },
    ignore: [],
    healthTimeoutSeconds: 5,
    concurrency: 8,
    deployments: false,
    origin: { file: 'driftless.yaml', line: 1 },
    ...overrides,
  };
}

export function deployment(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      ...extra,
    },
  };
}

export function configMap(name: string, data: Record<string, string> = { key: 'value' }): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

/** A source with one fixed revision and a renderer whose output tests set directly. */
export class Fake {
  manifests: Manifest[] = [];
  sha = 'a'.repeat(40);
  readonly cluster = new MemoryCluster();

  set(objects: KubeObject[]): void {
    this.manifests = objects.map((object) => ({ object: structuredClone(object), origin: { file: `app/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`, line: 1 } }));
  }

  deps(): SyncDeps {
    const tree: SourceTree = { revision: { ref: 'main', sha: this.sha }, entries: async () => [], read: async () => new Uint8Array() };
    const source: Source = { resolve: async (ref) => ({ ref, sha: this.sha }), tree: async () => tree };
    const renderer: Renderer = { render: async () => ({ manifests: structuredClone(this.manifests), dependencies: [], renderer: 'yaml' }) };
    return { source, renderer, cluster: this.cluster, keyring: testKeyring, pollMs: 1, sleep: async () => {} };
  }
}
