import { stringify } from 'yaml';

export interface KubeconfigInput {
  url: string;
  caPem?: string;
  adminToken: string;
  viewerToken: string;
}

/** Current context `sandbox` (admin) and `sandbox-viewer` (read-only), as a real cluster's kubeconfig. */
export function buildKubeconfig(input: KubeconfigInput): string {
  const cluster: Record<string, unknown> = { server: input.url };
  if (input.caPem) cluster['certificate-authority-data'] = Buffer.from(input.caPem).toString('base64');
  else cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': 'sandbox',
    clusters: [{ name: 'sandbox', cluster }],
    users: [
      { name: 'sandbox-admin', user: { token: input.adminToken } },
      { name: 'sandbox-viewer', user: { token: input.viewerToken } },
    ],
    contexts: [
      { name: 'sandbox', context: { cluster: 'sandbox', user: 'sandbox-admin', namespace: 'default' } },
      { name: 'sandbox-viewer', context: { cluster: 'sandbox', user: 'sandbox-viewer', namespace: 'default' } },
    ],
  });
}
