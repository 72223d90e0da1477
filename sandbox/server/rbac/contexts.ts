import type { Auth } from '../auth.ts';
import type { Cluster } from '../cluster.ts';

export interface ServiceAccountCredential {
  namespace: string;
  name: string;
  token: string;
}

/** Tokens of the kubeconfig's ServiceAccount contexts last a year, so that a long session keeps working. */
export const CONTEXT_TOKEN_SECONDS = 365 * 24 * 3600;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Parses `namespace/name`, or says what is wrong with it. */
export function parseServiceAccountRef(ref: string): { namespace: string; name: string } {
  const [namespace, name, extra] = ref.split('/');
  if (extra !== undefined || !namespace || !name || !dns1123Label.test(namespace) || namespace.length > 63 || !dns1123Subdomain.test(name) || name.length > 253) {
    throw new Error(`--service-account "${ref}": expected NAMESPACE/NAME, lower-case DNS names (e.g. apps/driftless)`);
  }
  return { namespace, name };
}

/** Creates each ServiceAccount (and its namespace) if missing and issues a token for it. */
export function serviceAccountCredentials(cluster: Cluster, auth: Auth, refs: string[]): ServiceAccountCredential[] {
  const nsInfo = cluster.registry.lookup('', 'v1', 'namespaces')!;
  const saInfo = cluster.registry.lookup('', 'v1', 'serviceaccounts')!;
  const out: ServiceAccountCredential[] = [];
  for (const ref of refs) {
    const { namespace, name } = parseServiceAccountRef(ref);
    if (!cluster.store.get(nsInfo, undefined, namespace)) cluster.create(nsInfo, undefined, { metadata: { name: namespace } }, { manager: 'driftless-sandbox', internal: true });
    if (!cluster.store.get(saInfo, namespace, name)) cluster.create(saInfo, namespace, { metadata: { name, namespace } }, { manager: 'driftless-sandbox', internal: true });
    if (out.some((c) => c.namespace === namespace && c.name === name)) continue;
    out.push({ namespace, name, token: auth.tokens.issue(namespace, name, CONTEXT_TOKEN_SECONDS).token });
  }
  return out;
}
