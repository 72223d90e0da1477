import { Sha256 } from '@aws-crypto/sha256-js';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { canonicalArn, presignedUrl } from '../../../sandbox/server/eks-auth.ts';
import { startStsStandin, type Identity, type StsStandin } from '../../support/aws-standin/index.ts';
import { call } from './helpers.ts';

type Creds = Pick<Identity, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>;

/** What `aws eks get-token` prints: a presigned GetCallerIdentity, base64url without padding. */
async function eksToken(who: Creds, cluster: string, options: { signingDate?: Date; host?: string; expiresIn?: number } = {}): Promise<string> {
  const host = options.host ?? 'sts.us-east-1.amazonaws.com';
  const signer = new SignatureV4({ credentials: who, region: 'us-east-1', service: 'sts', sha256: Sha256 });
  const req = new HttpRequest({ method: 'GET', protocol: 'https:', hostname: host, path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host, 'x-k8s-aws-id': cluster } });
  const signed = await signer.presign(req, { expiresIn: options.expiresIn ?? 60, signingDate: options.signingDate ?? new Date() });
  const url = new URL(`https://${host}/`);
  for (const [k, v] of Object.entries(signed.query ?? {})) url.searchParams.set(k, String(v));
  return `k8s-aws-v1.${Buffer.from(url.toString()).toString('base64url')}`;
}

describe('sandbox EKS token authentication', () => {
  let sts: StsStandin;
  let sb: Sandbox;
  let worker: Identity;
  let session: Identity;
  let stranger: Identity;
  const roleArn = 'arn:aws:iam::111122223333:role/driftless';

  beforeAll(async () => {
    sts = await startStsStandin();
    worker = sts.iam.addUser('worker');
    const role = sts.addRole({ name: 'driftless', trust: [worker.arn] });
    session = sts.iam.issue(role, 'driftless-app', 900);
    stranger = sts.iam.issue(sts.addRole({ name: 'unmapped', trust: [worker.arn] }), 's1', 900);
    sb = await startSandbox({
      controllers: false,
      eks: { cluster: 'prod', stsEndpoint: sts.url, accessEntries: [{ principalArn: roleArn, groups: ['driftless-deployers'] }, { principalArn: worker.arn, username: 'worker-{{AccountID}}' }] },
    });
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'deployers-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'driftless-deployers' }] };
    expect((await call(sb, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { body: binding })).status).toBe(201);
  });
  afterAll(async () => { await sb.stop(); await sts.close(); });

  it('maps an assumed role through its access entry to a user with the RBAC of its groups', async () => {
    const token = await eksToken(session, 'prod');
    const pods = await call(sb, 'GET', '/api/v1/namespaces/default/pods', { token });
    expect(pods.status).toBe(200);
    const user = 'arn:aws:sts::111122223333:assumed-role/driftless/driftless-app';
    const secrets = await call(sb, 'GET', '/api/v1/namespaces/default/secrets', { token });
    expect(secrets.status).toBe(403);
    expect(secrets.json.message).toBe(`secrets is forbidden: User "${user}" cannot list resource "secrets" in API group "" in the namespace "default"`);
    const review = await call(sb, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(review.json.status.userInfo).toMatchObject({ username: user, groups: ['driftless-deployers', 'system:authenticated'] });
    expect(review.json.status.userInfo.uid).toMatch(/^aws-iam-authenticator:111122223333:AROA/);
  });

  it('maps an IAM user with a username template', async () => {
    const review = await call(sb, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: await eksToken(worker, 'prod'), body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(review.json.status.userInfo).toMatchObject({ username: 'worker-111122223333', groups: ['system:authenticated'] });
  });

  it('asks STS once per token while the verdict is cached', async () => {
    // A signing date of its own: a token minted in the same second as another test's would already be cached.
    const token = await eksToken(session, 'prod', { signingDate: new Date(Date.now() - 7000) });
    sts.resetRequests();
    for (let i = 0; i < 3; i++) expect((await call(sb, 'GET', '/api/v1/namespaces/default/pods', { token })).status).toBe(200);
    expect(sts.requests()).toEqual([{ service: 'sts', action: 'GetCallerIdentity', identity: session.arn, accessKeyId: session.accessKeyId, status: 200 }]);
  });

  async function refused(token: string): Promise<void> {
    const res = await call(sb, 'GET', '/api/v1/namespaces/default/pods', { token });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  }

  it('answers 401 to an expired, mis-signed, wrong-cluster or unmapped token', async () => {
    sts.resetRequests();
    await refused(await eksToken(session, 'prod', { signingDate: new Date(Date.now() - 16 * 60_000) }));
    expect(sts.requests()).toEqual([]);
    await refused(await eksToken({ ...session, secretAccessKey: 'forged' }, 'prod'));
    expect(sts.requests().at(-1)).toMatchObject({ error: 'SignatureDoesNotMatch' });
    await refused(await eksToken(session, 'staging'));
    expect(sts.requests().at(-1)).toMatchObject({ error: 'SignatureDoesNotMatch' });
    await refused(await eksToken(stranger, 'prod'));
    expect(sts.requests().at(-1)).toMatchObject({ status: 200, identity: stranger.arn });
  });

  it('answers 401 when the role session behind the token has expired', async () => {
    const role = sts.iam.role(roleArn)!;
    const short = sts.iam.issue(role, 'short', 900);
    const token = await eksToken(short, 'prod');
    sts.iam.expire(short.accessKeyId);
    await refused(token);
    expect(sts.requests().at(-1)).toMatchObject({ error: 'ExpiredToken' });
  });

  it('refuses, without asking STS, a URL that is not a GetCallerIdentity presign at an STS host', async () => {
    sts.resetRequests();
    await refused(await eksToken(session, 'prod', { host: 'sts.example.com' }));
    await refused(await eksToken(session, 'prod', { expiresIn: 901 }));
    await refused('k8s-aws-v1.bm90IGEgdXJs');
    const other = (await eksToken(session, 'prod')).replace(/^k8s-aws-v1\./, '');
    const url = Buffer.from(other, 'base64url').toString().replace('Action=GetCallerIdentity', 'Action=AssumeRole');
    await refused(`k8s-aws-v1.${Buffer.from(url).toString('base64url')}`);
    expect(sts.requests()).toEqual([]);
  });

  it('parses token URLs and ARNs as the authenticator does', async () => {
    expect(presignedUrl(await eksToken(session, 'prod'))?.url.hostname).toBe('sts.us-east-1.amazonaws.com');
    expect(presignedUrl(await eksToken(session, 'prod', { host: 'sts.amazonaws.com' }))).toBeDefined();
    const unsignedCluster = Buffer.from('https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Date=20990101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host').toString('base64url');
    expect(presignedUrl(`k8s-aws-v1.${unsignedCluster}`)).toBeUndefined();
    expect(canonicalArn('arn:aws:sts::111122223333:assumed-role/driftless/s')).toEqual({ principal: roleArn, account: '111122223333', session: 's' });
    expect(canonicalArn('arn:aws:iam::111122223333:user/worker')).toEqual({ principal: 'arn:aws:iam::111122223333:user/worker', account: '111122223333' });
  });

  it('serves @kubernetes/client-node over HTTPS with an EKS token, and refuses a stale one with 401', async () => {
    const api = (token: string): CoreV1Api => {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'prod', server: sb.url, caData: Buffer.from(sb.caPem).toString('base64') }],
        users: [{ name: 'eks', token }], contexts: [{ name: 'prod', cluster: 'prod', user: 'eks' }], currentContext: 'prod',
      });
      return kc.makeApiClient(CoreV1Api);
    };
    const pods = await api(await eksToken(session, 'prod')).listNamespacedPod({ namespace: 'default' });
    expect(pods.kind).toBe('PodList');
    const stale = api(await eksToken(session, 'prod', { signingDate: new Date(Date.now() - 15 * 60_000 - 5000) }));
    const err = await stale.listNamespacedPod({ namespace: 'default' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(401);
  });

  it('still accepts its own tokens', async () => {
    expect((await call(sb, 'GET', '/api/v1/namespaces/default/secrets')).status).toBe(200);
    expect((await call(sb, 'GET', '/api/v1/namespaces', { token: sb.viewerToken })).status).toBe(200);
  });
});
