import type { KubeConfig } from '@kubernetes/client-node';
import { DriftlessError } from '../../core/errors.ts';

/** Hosts a TLS check protects nothing on: the connection never leaves the machine. */
function isLoopback(server: string): boolean {
  let host: string;
  try {
    host = new URL(server).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The user and cluster the kubeconfig's current context uses must not make driftless run a
 * command (`exec`, `auth-provider`: inside Lambda, or on whatever box runs `serve`, with its
 * environment) or talk to a remote API server without checking its certificate. One error names
 * every offending field, says why, and points at the form that needs neither.
 */
export function refuseUnsafeKubeconfig(kc: KubeConfig): void {
  const problems: string[] = [];
  const context = kc.getContextObject(kc.getCurrentContext());
  const user = kc.getCurrentUser();
  const cluster = kc.getCurrentCluster();
  const userField = `users[${JSON.stringify(context?.user ?? user?.name ?? '')}].user`;
  if (user?.exec) problems.push(`${userField}.exec runs a command (${JSON.stringify(String((user.exec as { command?: unknown }).command ?? ''))}) to get a token`);
  if (user?.authProvider) problems.push(`${userField}.auth-provider runs a credential plugin (${JSON.stringify(String((user.authProvider as { name?: unknown }).name ?? ''))})`);
  if (cluster?.skipTLSVerify && !isLoopback(cluster.server)) {
    problems.push(`clusters[${JSON.stringify(cluster.name)}].cluster.insecure-skip-tls-verify turns off the certificate check of ${cluster.server}, so anyone on the path can read the credentials`);
  }
  if (problems.length === 0) return;
  throw new DriftlessError(
    'KUBECONFIG_REFUSED',
    `kubeconfig refused: ${problems.join('; ')}. driftless never runs commands from a kubeconfig (they would run inside Lambda with its credentials) and never sends credentials without TLS verification. Use a token or client certificate with the cluster's CA (kubeconfig or credentials: {server, caData, token}), or for EKS: eks: {cluster, region, roleArn?}, which needs no stored token.`,
    { field: 'kubeconfig', offending: problems.length },
  );
}
