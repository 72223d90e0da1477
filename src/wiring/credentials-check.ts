import { DriftlessError, isDriftlessError } from '../core/errors.ts';
import { groupOf } from '../core/objects.ts';
import type { AppConfig, ClusterConfig } from '../config/types.ts';
import { requestedRef } from '../sync/prepare.ts';
import type { KubernetesCluster } from '../adapters/kubernetes/client.ts';
import { buildClusterClient } from './clusters.ts';
import type { Runtime } from './runtime.ts';

/** The verbs a sync uses on every kind it manages (read, server-side apply, prune). */
export const NEEDED_VERBS = ['get', 'list', 'patch', 'delete'] as const;

export interface MissingVerb {
  verb: string;
  resource: string;
  group: string;
  namespace?: string;
  apps: string[];
}

export interface ClusterCheck {
  cluster: string;
  form: 'kubeconfig' | 'credentials' | 'eks';
  ok: boolean;
  server?: string;
  version?: string;
  /** From SelfSubjectReview; absent where the server does not serve it (the access reviews still ran). */
  user?: { username: string; groups: string[] };
  /** Permissions checked (verb × resource × namespace) and those refused. */
  checked: number;
  missing: MissingVerb[];
  /** Apps whose kinds could not be listed (render failed): only their inventory was checked. */
  notes: string[];
  error?: { code: string; message: string };
}

interface Target {
  group: string;
  resource: string;
  namespace?: string;
  apps: Set<string>;
}

export function formOf(cluster: ClusterConfig): ClusterCheck['form'] {
  return cluster.eks ? 'eks' : cluster.credentials ? 'credentials' : 'kubeconfig';
}

/** What each app on the cluster writes: the kinds of its render (resolved to resources) and its inventory ConfigMap. */
async function targetsOf(runtime: Runtime, client: KubernetesCluster, apps: AppConfig[], notes: string[]): Promise<Target[]> {
  const targets = new Map<string, Target>();
  const add = (group: string, resource: string, namespace: string | undefined, app: string): void => {
    const key = `${group}|${resource}|${namespace ?? ''}`;
    const target = targets.get(key) ?? { group, resource, ...(namespace ? { namespace } : {}), apps: new Set<string>() };
    target.apps.add(app);
    targets.set(key, target);
  };
  for (const app of apps) {
    add('', 'configmaps', app.namespace, app.name);
    try {
      const source = await runtime.source(app.repository);
      const revision = await source.resolve(requestedRef(app));
      const { manifests } = await runtime.renderer.render({ tree: await source.tree(revision), path: app.path, allowRemote: app.allowRemote });
      for (const { object } of manifests) {
        const type = await client.resolve(object.apiVersion, object.kind);
        if (!type) continue;
        add(groupOf(object.apiVersion), type.plural, type.namespaced ? (object.metadata.namespace ?? app.namespace) : undefined, app.name);
      }
    } catch (err) {
      notes.push(`app ${app.name}: could not render it (${err instanceof Error ? err.message : String(err)}), so only its inventory ConfigMap was checked`);
    }
  }
  return [...targets.values()];
}

/**
 * `driftless credentials check`: resolve each cluster's credentials the way a sync does, ask the
 * server who that is (/version, SelfSubjectReview), and which of the verbs a sync needs it refuses
 * (SelfSubjectAccessReview per kind and namespace the cluster's apps write). Values never appear
 * in the result: errors name references only.
 */
export async function checkClusterCredentials(runtime: Runtime, names: string[]): Promise<ClusterCheck[]> {
  const { config } = runtime;
  const selected = names.length > 0 ? names : Object.keys(config.clusters);
  const unknown = selected.filter((name) => !config.clusters[name]);
  if (unknown.length > 0) throw new DriftlessError('CONFIG_INVALID', `no cluster ${unknown.map((n) => `"${n}"`).join(', ')} in ${config.file} (clusters: ${Object.keys(config.clusters).join(', ') || 'none'})`, { file: config.file, field: 'clusters' });
  const results: ClusterCheck[] = [];
  for (const name of selected) {
    const cluster = config.clusters[name]!;
    const check: ClusterCheck = { cluster: name, form: formOf(cluster), ok: false, checked: 0, missing: [], notes: [] };
    results.push(check);
    try {
      const client = await buildClusterClient(cluster, { secrets: runtime.secrets });
      check.server = client.server;
      check.version = await client.serverVersion();
      const user = await client.whoAmI();
      if (user) check.user = user;
      else check.notes.push('the server does not serve SelfSubjectReview (Kubernetes < 1.28): identity unknown, permissions checked with SelfSubjectAccessReview');
      const targets = await targetsOf(runtime, client, config.apps.filter((a) => a.cluster === name), check.notes);
      for (const target of targets) {
        for (const verb of NEEDED_VERBS) {
          check.checked++;
          const { allowed } = await client.canI({ verb, group: target.group, resource: target.resource, ...(target.namespace ? { namespace: target.namespace } : {}) });
          if (!allowed) check.missing.push({ verb, group: target.group, resource: target.resource, ...(target.namespace ? { namespace: target.namespace } : {}), apps: [...target.apps].sort() });
        }
      }
      check.ok = check.missing.length === 0;
    } catch (err) {
      check.error = isDriftlessError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
    }
  }
  return results;
}
