import { KubeConfig } from '@kubernetes/client-node';
import { DriftlessError } from '../core/errors.ts';
import { isRecord } from '../core/objects.ts';
import type { ClusterConfig } from '../config/types.ts';
import type { Metrics } from '../ports/metrics.ts';
import { describeSecretRef, type SecretRef } from '../ports/secrets.ts';
import type { SecretCache } from '../secrets/cache.ts';
import { KubernetesCluster, parseKubeconfig, type KubernetesClusterOptions } from '../adapters/kubernetes/client.ts';
import { refuseUnsafeKubeconfig } from '../adapters/kubernetes/kubeconfig-policy.ts';
import { createEksAccess } from '../adapters/eks/access.ts';

export interface ClusterBuildOptions {
  secrets: SecretCache;
  /** The app the client is for: names the assumed role's session (driftless-<app>). */
  app?: string;
  discoveryCacheDir?: string;
  /** Counts the client's requests, labelled with the cluster's name. */
  metrics?: Metrics;
  openApiCacheDir?: string;
}

/** `credentials: {secret: …}`: a JSON document with the server, its CA and a token or client certificate. */
export function kubeconfigFromCredentials(text: string, ref: SecretRef, cluster: string): KubeConfig {
  const refused = (why: string): DriftlessError =>
    new DriftlessError('CONFIG_INVALID', `clusters.${cluster}.credentials (${describeSecretRef(ref)}) ${why}; it must be JSON {server, caData?, token} or {server, caData?, clientCertData, clientKeyData}`, { field: `clusters.${cluster}.credentials`, secret: describeSecretRef(ref) });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: say only that it is not JSON.
    throw refused('is not JSON');
  }
  if (!isRecord(doc)) throw refused('is not a JSON object');
  const str = (key: string): string | undefined => (typeof doc[key] === 'string' && doc[key] !== '' ? doc[key] : undefined);
  const server = str('server');
  if (!server || !/^https?:\/\//.test(server)) throw refused('has no http(s) "server"');
  const token = str('token');
  const certData = str('clientCertData');
  const keyData = str('clientKeyData');
  if (!token && !(certData && keyData)) throw refused('has neither "token" nor "clientCertData" with "clientKeyData"');
  const kc = new KubeConfig();
  const caData = str('caData');
  kc.loadFromOptions({
    clusters: [{ name: cluster, server, ...(caData ? { caData } : {}), skipTLSVerify: false }],
    users: [{ name: 'driftless', ...(token ? { token } : { certData, keyData }) }],
    contexts: [{ name: cluster, cluster, user: 'driftless' }],
    currentContext: cluster,
  });
  refuseUnsafeKubeconfig(kc);
  return kc;
}

/**
 * A client for one cluster in whichever form its config names. Static credentials are re-read
 * (through the cache, so at most once per secret per 30 s) when the cluster answers 401, and the
 * request is tried once more if they changed; EKS tokens are re-minted instead.
 */
export async function buildClusterClient(cluster: ClusterConfig, options: ClusterBuildOptions): Promise<KubernetesCluster> {
  const { secrets } = options;
  const base: KubernetesClusterOptions = {
    ...(options.discoveryCacheDir ? { discoveryCacheDir: options.discoveryCacheDir } : {}),
    ...(options.openApiCacheDir ? { openApiCacheDir: options.openApiCacheDir } : {}),
    ...(options.metrics ? { metrics: options.metrics, name: cluster.name } : {}),
  };
  if (cluster.eks) {
    const access = createEksAccess({ ...cluster.eks, ...(options.app ? { app: options.app } : {}) });
    const { server, caData } = await access.endpoint();
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: cluster.name, server, caData, skipTLSVerify: false }],
      users: [{ name: 'driftless' }],
      contexts: [{ name: cluster.name, cluster: cluster.name, user: 'driftless' }],
      currentContext: cluster.name,
    });
    return new KubernetesCluster(kc, { ...base, token: () => access.token(), unauthorized: async () => access.renew() });
  }
  const ref = cluster.kubeconfig ?? cluster.credentials;
  if (!ref) throw new DriftlessError('CONFIG_INVALID', `cluster ${cluster.name} needs one of kubeconfig, credentials or eks`, { field: `clusters.${cluster.name}` });
  const parse = (text: string): KubeConfig => (cluster.kubeconfig ? parseKubeconfig(text, cluster.context) : kubeconfigFromCredentials(text, ref, cluster.name));
  let text = await secrets.resolve(ref);
  const kc = parse(text);
  return new KubernetesCluster(kc, {
    ...base,
    ...(cluster.context ? { context: cluster.context } : {}),
    unauthorized: async () => {
      if (!(await secrets.refresh(ref, text))) return false;
      text = await secrets.resolve(ref);
      return parse(text);
    },
  });
}
