import { writeFileSync } from 'node:fs';
import { builtinOpenAPIDocuments } from '../openapi/documents.ts';
import { Auth } from './auth.ts';
import { generateCertificates } from './certs.ts';
import { Cluster } from './cluster.ts';
import { CrdManager } from './crd.ts';
import { createSchemaIndex, serviceAllocator, startControllers } from './deps.ts';
import { Discovery } from './discovery.ts';
import type { EksAuthOptions } from './eks-auth.ts';
import { Host } from './host.ts';
import { createHandler } from './http.ts';
import { Instruments } from './instruments.ts';
import { buildKubeconfig } from './kubeconfig.ts';
import { OpenAPIService } from './openapi.ts';
import { serviceAccountCredentials } from './rbac/contexts.ts';
import { Registry } from './registry.ts';
import { loadState, saveState } from './state.ts';
import { Store } from './store.ts';
import { listen } from './transport.ts';
import { warmUp } from './warmup.ts';
import type { PodSecurityExemptions } from './admission/podsecurity-admission.ts';

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  kubeconfigPath?: string;
  statePath?: string;
  latencyMs?: number;
  /** Plain HTTP/1.1 instead of HTTPS with HTTP/2 and HTTP/1.1 (debugging). */
  http?: boolean;
  /** Lifecycle controllers (status, garbage collection, namespace lifecycle); default true. */
  controllers?: boolean;
  /** Events a watch can resume from before it gets 410 Expired. */
  watchHistory?: number;
  /**
   * Exercise the request path on a throwaway store before listening (about a second), so that the
   * first requests are not served by cold code. Default false; the CLI turns it on.
   */
  warmUp?: boolean;
  /** `namespace/name` of ServiceAccounts to create if missing, each with a kubeconfig context `sa-<ns>-<name>`. */
  serviceAccounts?: string[];
  /**
   * Also accept EKS bearer tokens (`k8s-aws-v1.…`, what `aws eks get-token` prints) signed for
   * `cluster`, verified by the STS at `stsEndpoint` and mapped to users by `accessEntries`.
   */
  eks?: EksAuthOptions;
  /** PodSecurity admission exemptions (usernames, namespaces, runtimeClasses), as in its PodSecurityConfiguration. */
  podSecurityExemptions?: PodSecurityExemptions;
}

export interface Sandbox {
  url: string;
  kubeconfigPath: string | undefined;
  kubeconfig: string;
  adminToken: string;
  viewerToken: string;
  caPem: string;
  /** The in-process cluster, for tests that inspect state directly. */
  cluster: Cluster;
  stop(): Promise<void>;
}

const bootNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Starts the Kubernetes 1.34 stand-in on 127.0.0.1 and writes its kubeconfig. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const documents = builtinOpenAPIDocuments();
  const registry = new Registry(documents);
  const store = new Store(options.watchHistory);
  const schemas = createSchemaIndex(documents);
  const cluster = new Cluster(registry, store, schemas);
  if (options.podSecurityExemptions) cluster.podSecurityExemptions = options.podSecurityExemptions;
  const openapi = new OpenAPIService(documents);
  const crds = new CrdManager(cluster, openapi);
  store.subscribe((e) => crds.onEvent(e));
  if (options.statePath) loadState(cluster, crds, options.statePath);
  // Restored Services keep their addresses: new ones must not be handed the same cluster IPs or node ports.
  const svcInfo = registry.lookup('', 'v1', 'services');
  if (svcInfo) for (const svc of store.list(svcInfo)) serviceAllocator.reserve(svc);
  // The namespaces a fresh API server has before any controller runs (its bootstrap controller).
  const nsInfo = registry.lookup('', 'v1', 'namespaces')!;
  for (const name of bootNamespaces) {
    if (!store.get(nsInfo, undefined, name)) cluster.create(nsInfo, undefined, { metadata: { name } }, { manager: 'kube-apiserver', internal: true });
  }

  if (options.warmUp) await warmUp(registry, schemas);

  const auth = new Auth(cluster, options.eks);
  const serviceAccounts = serviceAccountCredentials(cluster, auth, options.serviceAccounts ?? []);
  const instruments = new Instruments();
  let address = '127.0.0.1:0';
  const discovery = new Discovery(registry, () => address);
  const handler = createHandler({ cluster, auth, discovery, openapi, instruments, latencyMs: options.latencyMs ?? 0 });
  const certs = options.http ? undefined : await generateCertificates();
  const server = await listen(handler, { port: options.port ?? 0, tls: certs, onConnection: (protocol) => instruments.connection(protocol) });
  const { port } = server;
  address = `127.0.0.1:${port}`;
  const url = `${certs ? 'https' : 'http'}://127.0.0.1:${port}`;
  const kubeconfig = buildKubeconfig({ url, caPem: certs?.caPem, adminToken: auth.adminToken, viewerToken: auth.viewerToken, serviceAccounts });
  if (options.kubeconfigPath) writeFileSync(options.kubeconfigPath, kubeconfig, { mode: 0o600 });

  const host = new Host(cluster);
  const stopControllers = options.controllers === false ? () => {} : startControllers(host, { rootCA: certs?.caPem, apiServer: { ip: '127.0.0.1', port } });
  const statePath = options.statePath;
  const saver = statePath ? setInterval(() => { if (store.dirty) saveState(cluster, statePath); }, 500) : undefined;
  saver?.unref();

  let stopped: Promise<void> | undefined;
  return {
    url, kubeconfigPath: options.kubeconfigPath, kubeconfig, adminToken: auth.adminToken, viewerToken: auth.viewerToken, caPem: certs?.caPem ?? '', cluster,
    stop() {
      stopped ??= (async () => {
        stopControllers();
        host.stop();
        if (saver) clearInterval(saver);
        await server.close();
        if (statePath) saveState(cluster, statePath);
      })();
      return stopped;
    },
  };
}
