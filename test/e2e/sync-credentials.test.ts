import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { registerCredentials } from '../../src/cli/commands/credentials.ts';
import { registerSync } from '../../src/cli/commands/sync.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { SyncResult } from '../../src/core/types.ts';
import { syncApp } from '../../src/sync/sync.ts';
import type { ClusterCheck } from '../../src/wiring/credentials-check.ts';
import { createRuntime } from '../../src/wiring/runtime.ts';
import { startAwsStandins, type AwsStandins, type Identity } from '../support/aws-standin/index.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin/index.ts';
import { getJson, GitRepo, runInProcess } from './sync-support.ts';
import { configMap } from '../sync/fixtures.ts';

/*
 * driftless with no stored cluster token and a GitHub token in Secrets Manager: the cluster is
 * `eks:` (AssumeRole with an external id, DescribeCluster, a minted k8s-aws-v1 token the sandbox
 * checks with the STS stand-in), every secret a `{secret: …}` reference read from the Secrets
 * Manager stand-in, over sockets, with the real SDK clients.
 */

const GH_V1 = 'ghp_rotation-value-one-5a1e';
const GH_V2 = 'ghp_rotation-value-two-9c3f';
const EXTERNAL_ID = 'driftless-e2e-external';

let aws: AwsStandins;
let sb: Sandbox;
let gh: GitHubStandin;
let repo: GitRepo;
let dir: string;
let worker: Identity;
let roleArn: string;
const ghTokens = [GH_V1];
const captured: string[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  aws = await startAwsStandins({ region: 'eu-west-1' });
  worker = aws.iam.addUser('driftless-lambda');
  const role = aws.sts.addRole({ name: 'driftless-deployer', trust: [worker.arn], externalId: EXTERNAL_ID });
  roleArn = role.arn;
  sb = await startSandbox({ eks: { cluster: 'prod', stsEndpoint: aws.sts.url, accessEntries: [{ principalArn: role.arn, groups: ['system:masters'] }] } });
  aws.eks.addCluster({ name: 'prod', endpoint: sb.url, caPem: sb.caPem, allow: [role.arn] });
  repo = new GitRepo();
  repo.commit({ 'app/cm.yaml': [configMap('one')] });
  gh = await startGitHubStandin({ repos: { 'acme/gitops': repo.dir }, tokens: ghTokens });
  aws.secretsManager.putSecret('driftless/github', JSON.stringify({ token: GH_V1 }));
  aws.secretsManager.putSecret('driftless/prod-credentials', JSON.stringify({ server: sb.url, caData: Buffer.from(sb.caPem).toString('base64'), token: sb.adminToken }));
  aws.secretsManager.putSecret('driftless/prod-kubeconfig', sb.kubeconfig);
  Object.assign(process.env, aws.envFor(worker, 'eu-west-1'));
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-e2e-credentials-'));
  process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  writeFileSync(path.join(dir, 'driftless.yaml'), stringify({
    repositories: { shop: { github: { owner: 'acme', repo: 'gitops', apiUrl: gh.apiUrl, token: { secret: 'driftless/github', key: 'token' } } } },
    clusters: {
      prod: { eks: { cluster: 'prod', region: 'eu-west-1', roleArn, externalId: EXTERNAL_ID } },
      'prod-json': { credentials: { secret: 'driftless/prod-credentials' } },
      'prod-kubeconfig': { kubeconfig: { secret: 'driftless/prod-kubeconfig' } },
    },
    apps: [{ name: 'web', repository: 'shop', branch: 'main', path: 'app', cluster: 'prod', namespace: 'web', createNamespace: true, healthTimeoutSeconds: 10, deployments: false }],
  }));
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([sb?.stop(), gh?.stop(), aws?.close()]);
  repo?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const file = () => path.join(dir, 'driftless.yaml');
/** This runtime reads one secret (the GitHub token), so every GetSecretValue is a read of it. */
const secretReads = () => aws.secretsManager.requests().filter((r) => r.action === 'GetSecretValue').length;

describe('credentials end to end: EKS cluster, GitHub token in Secrets Manager', () => {
  it('driftless sync web: AssumeRole (session driftless-web), DescribeCluster with the role, a minted token the cluster maps to the role', async () => {
    const run = await runInProcess(registerSync, ['sync', 'web', '--json', '--config', file()]);
    captured.push(run.stdout, run.stderr);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as SyncResult).status).toBe('Synced');
    expect(await getJson(sb, '/api/v1/namespaces/web/configmaps/one')).toBeDefined();
    const assumed = aws.sts.requests().filter((r) => r.action === 'AssumeRole');
    expect(assumed.at(-1)).toMatchObject({ status: 200, identity: worker.arn });
    const session = 'arn:aws:sts::111122223333:assumed-role/driftless-deployer/driftless-web';
    expect(aws.eks.requests().at(-1)).toMatchObject({ action: 'DescribeCluster', status: 200 });
    expect(String(aws.eks.requests().at(-1)?.identity)).toContain('assumed-role/driftless-deployer/driftless-web');
    // The sandbox verified the token with STS: a GetCallerIdentity by the assumed role.
    expect(aws.sts.requests().some((r) => r.action === 'GetCallerIdentity' && r.identity === session && r.status === 200)).toBe(true);
  });

  it('a GitHub token rotated in Secrets Manager mid-run is picked up after GitHub\'s 401, without a restart', async () => {
    const config = await loadConfig(file());
    const runtime = createRuntime(config);
    const app = runtime.app('web');
    const first = await syncApp(await runtime.deps(app), app, {});
    expect(first.status).toBe('Synced');
    const readsBefore = secretReads();
    // Rotation: Secrets Manager gets the new token (the old one becomes AWSPREVIOUS), GitHub revokes the old one.
    aws.secretsManager.putSecret('driftless/github', JSON.stringify({ token: GH_V2 }));
    ghTokens.splice(0, ghTokens.length, GH_V2);
    repo.commit({ 'app/cm.yaml': [configMap('one'), configMap('two')] });
    const second = await syncApp(await runtime.deps(app), app, {});
    captured.push(JSON.stringify(first), JSON.stringify(second));
    expect(second.status, JSON.stringify(second.errors)).toBe('Synced');
    expect(await getJson(sb, '/api/v1/namespaces/web/configmaps/two')).toBeDefined();
    // Exactly one forced read of the secret, and GitHub saw the 401 before the retry.
    expect(secretReads() - readsBefore).toBe(1);
    expect(gh.calls().some((c) => c.status === 401)).toBe(true);
  });

  it('driftless credentials check: the EKS, JSON and kubeconfig forms, all from AWS, each ok with its identity', async () => {
    const run = await runInProcess(registerCredentials, ['credentials', 'check', '--json', '--config', file()]);
    captured.push(run.stdout, run.stderr);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { clusters: ClusterCheck[] };
    const byName = Object.fromEntries(report.clusters.map((c) => [c.cluster, c]));
    expect(byName.prod).toMatchObject({ form: 'eks', ok: true, server: sb.url, missing: [] });
    expect(byName.prod!.user?.username).toBe('arn:aws:sts::111122223333:assumed-role/driftless-deployer/driftless');
    expect(byName['prod-json']).toMatchObject({ form: 'credentials', ok: true, missing: [] });
    expect(byName['prod-kubeconfig']).toMatchObject({ form: 'kubeconfig', ok: true, missing: [] });
  });

  it('an EKS role the cluster does not map: 401, the check fails naming the cluster, exit 1', async () => {
    const stranger = aws.sts.addRole({ name: 'unmapped', trust: [worker.arn] });
    aws.eks.addCluster({ name: 'prod', endpoint: sb.url, caPem: sb.caPem, allow: [roleArn, stranger.arn] });
    const yaml = path.join(dir, 'unmapped.yaml');
    writeFileSync(yaml, stringify({
      repositories: { shop: { github: { owner: 'acme', repo: 'gitops', apiUrl: gh.apiUrl, token: { secret: 'driftless/github', key: 'token' } } } },
      clusters: { prod: { eks: { cluster: 'prod', region: 'eu-west-1', roleArn: stranger.arn } } },
      apps: [],
    }));
    const run = await runInProcess(registerCredentials, ['credentials', 'check', '--json', '--config', yaml]);
    captured.push(run.stdout, run.stderr);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { clusters: ClusterCheck[] };
    expect(report.clusters[0]!.error?.code).toBe('CLUSTER_UNAUTHORIZED');
  });

  it('no captured output, result or stand-in log holds a secret value', () => {
    const everything = [...captured, JSON.stringify([aws.sts.requests(), aws.secretsManager.requests(), aws.eks.requests(), gh.calls()])].join('\n');
    for (const secret of [GH_V1, GH_V2, sb.adminToken, worker.secretAccessKey, EXTERNAL_ID]) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('k8s-aws-v1.');
  });
});
