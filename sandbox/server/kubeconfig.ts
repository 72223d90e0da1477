import { stringify } from 'yaml';
import type { ServiceAccountCredential } from './rbac/contexts.ts';

export interface KubeconfigInput {
  url: string;
  caPem?: string;
  adminToken: string;
  viewerToken: string;
  serviceAccounts?: ServiceAccountCredential[];
}

/**
 * Current context `sandbox` (admin, system:masters), `sandbox-viewer` (ClusterRole `view`) and one
 * `sa-<namespace>-<name>` context per ServiceAccount asked for, as a real cluster's kubeconfig.
 */
export function buildKubeconfig(input: KubeconfigInput): string {
  const cluster: Record<string, unknown> = { server: input.url };
  if (input.caPem) cluster['certificate-authority-data'] = Buffer.from(input.caPem).toString('base64');
  else cluster['insecure-skip-tls-verify'] = true;
  const accounts = input.serviceAccounts ?? [];
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': 'sandbox',
    clusters: [{ name: 'sandbox', cluster }],
    users: [
      { name: 'sandbox-admin', user: { token: input.adminToken } },
      { name: 'sandbox-viewer', user: { token: input.viewerToken } },
      ...accounts.map((a) => ({ name: `sa-${a.namespace}-${a.name}`, user: { token: a.token } })),
    ],
    contexts: [
      { name: 'sandbox', context: { cluster: 'sandbox', user: 'sandbox-admin', namespace: 'default' } },
      { name: 'sandbox-viewer', context: { cluster: 'sandbox', user: 'sandbox-viewer', namespace: 'default' } },
      ...accounts.map((a) => ({ name: `sa-${a.namespace}-${a.name}`, context: { cluster: 'sandbox', user: `sa-${a.namespace}-${a.name}`, namespace: a.namespace } })),
    ],
  });
}
