import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import { DriftlessError } from '../../src/core/errors.ts';

const config = (clusters: string) => `repositories:
  demo: { git: ./gitops }
clusters:
${clusters}
apps:
  - { name: web, repository: demo, path: app, cluster: c, namespace: web }
`;

function messages(text: string): string[] {
  try {
    parseConfig(text, 'driftless.yaml', { cwd: '/work/cfg' });
  } catch (err) {
    if (!(err instanceof DriftlessError)) throw err;
    return (err.details.errors as { line?: number; field: string; message: string }[]).map((e) => `${e.line}: ${e.field}: ${e.message}`);
  }
  return [];
}

describe('cluster credentials in config', () => {
  it('accepts the three forms and full secret references, without warnings', () => {
    const parsed = parseConfig(config(`  c: { eks: { cluster: prod, region: eu-west-1, roleArn: "arn:aws:iam::123456789012:role/driftless", externalId: x-1 } }
  j: { credentials: { secret: prod/cluster, versionStage: AWSCURRENT, region: us-east-2 } }
  k: { kubeconfig: { secret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kube-AbCdEf", key: config }, context: prod }`), 'driftless.yaml', { cwd: '/work/cfg' });
    expect(parsed.warnings).toEqual([]);
    expect(parsed.clusters.c).toEqual({ name: 'c', eks: { cluster: 'prod', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/driftless', externalId: 'x-1' } });
    expect(parsed.clusters.j).toEqual({ name: 'j', credentials: { secret: 'prod/cluster', versionStage: 'AWSCURRENT', region: 'us-east-2' } });
    expect(parsed.clusters.k).toEqual({ name: 'k', kubeconfig: { secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kube-AbCdEf', key: 'config' }, context: 'prod' });
  });

  it('refuses two forms at once, none, context without kubeconfig, and malformed EKS fields, naming each', () => {
    expect(messages(config('  c: { kubeconfig: { file: ./k }, eks: { cluster: prod, region: eu-west-1 } }'))).toEqual([
      "4: clusters.c: must have exactly one of 'kubeconfig', 'credentials' or 'eks'",
    ]);
    expect(messages(config('  c: { server: "https://x.example.com" }'))).toEqual(["4: clusters.c: must have exactly one of 'kubeconfig', 'credentials' or 'eks'"]);
    expect(messages(config('  c: { credentials: { env: C }, context: prod }'))).toEqual(["4: clusters.c.context: 'context' is only valid together with 'kubeconfig'"]);
    const eks = messages(config('  c: { eks: { cluster: prod, region: europe, roleArn: "role/driftless", externalId: x } }'));
    expect(eks).toContain('4: clusters.c.eks.region: must be an AWS region such as eu-west-1');
    expect(eks).toContain('4: clusters.c.eks.roleArn: must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME)');
    expect(messages(config('  c: { eks: { cluster: prod, region: eu-west-1, externalId: xy } }'))).toEqual(["4: clusters.c.eks.externalId: 'externalId' is only valid together with 'roleArn'"]);
  });

  it('versionStage and region belong to {secret:} references only', () => {
    expect(messages(config('  c: { kubeconfig: { env: K, versionStage: AWSPREVIOUS } }'))).toEqual(["4: clusters.c.kubeconfig.versionStage: 'versionStage' is only valid together with 'secret'"]);
  });
});
