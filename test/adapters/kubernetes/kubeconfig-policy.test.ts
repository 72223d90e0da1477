import { describe, expect, it } from 'vitest';
import { createKubernetesCluster, parseKubeconfig } from '../../../src/adapters/kubernetes/client.ts';
import { isDriftlessError } from '../../../src/core/errors.ts';

const kubeconfig = (cluster: string, user: string, server = 'https://prod.example.com:6443'): string => `apiVersion: v1
kind: Config
current-context: prod
contexts:
- name: prod
  context: { cluster: prod, user: admin }
- name: local
  context: { cluster: local, user: plain }
clusters:
- name: prod
  cluster:
    server: ${server}
${cluster}
- name: local
  cluster:
    server: https://127.0.0.1:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
${user}
- name: plain
  user:
    token: plain-token-value
`;

const exec = `    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, prod]`;
const authProvider = `    auth-provider:
      name: oidc
      config: { client-id: x }`;

function refusal(text: string, context?: string): string {
  try {
    parseKubeconfig(text, context);
  } catch (err) {
    expect(isDriftlessError(err, 'KUBECONFIG_REFUSED')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('not refused');
}

describe('kubeconfig refusal', () => {
  it('refuses a user with exec, naming the field, why, and the EKS form', () => {
    const message = refusal(kubeconfig('    certificate-authority-data: eA==', exec));
    expect(message).toContain('users["admin"].user.exec runs a command ("aws")');
    expect(message).toContain('inside Lambda');
    expect(message).toContain('eks: {cluster, region, roleArn?}');
  });

  it('names every offending field in one error: exec, auth-provider and insecure-skip-tls-verify against a remote server', () => {
    const message = refusal(kubeconfig('    insecure-skip-tls-verify: true', `${exec}\n${authProvider}`));
    expect(message).toContain('users["admin"].user.exec');
    expect(message).toContain('users["admin"].user.auth-provider runs a credential plugin ("oidc")');
    expect(message).toContain('clusters["prod"].cluster.insecure-skip-tls-verify turns off the certificate check of https://prod.example.com:6443');
    expect(message).not.toContain('plain-token-value');
  });

  it('accepts insecure-skip-tls-verify against a loopback server (the sandbox), and a token user', () => {
    expect(() => parseKubeconfig(kubeconfig('    certificate-authority-data: eA==', exec), 'local')).not.toThrow();
    expect(createKubernetesCluster(kubeconfig('    insecure-skip-tls-verify: true', '    token: abc', 'https://[::1]:6443')).server).toBe('https://[::1]:6443');
    expect(createKubernetesCluster(kubeconfig('    insecure-skip-tls-verify: true', '    token: abc', 'https://localhost:6443')).server).toBe('https://localhost:6443');
  });

  it('checks the context driftless uses, not the others in the file', () => {
    expect(() => createKubernetesCluster(kubeconfig('    certificate-authority-data: eA==', exec), { context: 'local' })).not.toThrow();
    expect(refusal(kubeconfig('    certificate-authority-data: eA==', exec), 'prod')).toContain('exec');
  });
});
