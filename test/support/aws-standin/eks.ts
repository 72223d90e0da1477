import { covers, DEFAULT_ACCOUNT, Iam, requestId } from './iam.ts';
import { listen, serviceCore } from './server.ts';
import type { Reply, RequestRecord, StandinBase } from './server.ts';
import { verifyHeaderSignature } from './sigv4.ts';
import type { AuthFailure } from './sigv4.ts';

/** EKS over REST-JSON: `GET /clusters/{name}` (DescribeCluster), errors named by `x-amzn-ErrorType`. */

export interface EksCluster {
  name: string;
  /** The API server URL (a sandbox's `url`). */
  endpoint: string;
  /** PEM of the API server's CA (a sandbox's `caPem`); served base64-encoded as EKS does. */
  caPem: string;
  version?: string;
  account?: string;
  /** Principals (user, role or assumed-role ARNs) allowed eks:DescribeCluster; undefined: everyone. */
  allow?: string[];
}

export interface EksStandinOptions {
  iam?: Iam;
  region?: string;
  clusters?: EksCluster[];
}

export interface EksStandin extends StandinBase {
  iam: Iam;
  addCluster(cluster: EksCluster): { arn: string };
  removeCluster(name: string): void;
}

const BAD_SIGNATURE = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

class EksError extends Error {
  constructor(readonly code: string, message: string, readonly status: number, readonly extra: Record<string, unknown> = {}) { super(message); }
}

function authError(failure: AuthFailure): EksError {
  switch (failure.kind) {
    case 'missing': return new EksError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    case 'malformed': return new EksError('IncompleteSignatureException', failure.message, 403);
    case 'unknownKey': return new EksError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
    case 'expiredToken': return new EksError('ExpiredTokenException', 'The security token included in the request is expired', 403);
    case 'badSignature': return new EksError('InvalidSignatureException', BAD_SIGNATURE, 403);
    case 'expiredSignature': return new EksError('InvalidSignatureException', failure.message, 403);
  }
}

function json(status: number, body: unknown, id: string, errorType?: string): Reply {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': id };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  return { status, headers, body: JSON.stringify(body) };
}

export async function startEksStandin(options: EksStandinOptions = {}): Promise<EksStandin> {
  const iam = options.iam ?? new Iam();
  const region = options.region ?? 'us-east-1';
  const clusters = new Map<string, EksCluster & { arn: string; createdAt: number }>();
  const core = serviceCore();
  const add = (c: EksCluster): { arn: string } => {
    const arn = `arn:aws:eks:${region}:${c.account ?? DEFAULT_ACCOUNT}:cluster/${c.name}`;
    clusters.set(c.name, { ...c, arn, createdAt: Date.now() / 1000 });
    return { arn };
  };
  for (const c of options.clusters ?? []) add(c);

  const base = await listen(core, async (req) => {
    const id = requestId();
    const path = req.url.split('?')[0]!;
    const m = /^\/clusters\/([^/]+)$/.exec(path);
    const action = m && req.method === 'GET' ? 'DescribeCluster' : '';
    const record: RequestRecord = { service: 'eks', action, status: 200 };
    core.log.push(record);
    try {
      const auth = await verifyHeaderSignature(iam, 'eks', req);
      if (!auth.ok) throw authError(auth.failure);
      record.identity = auth.identity.arn;
      record.accessKeyId = auth.identity.accessKeyId;
      const fault = core.takeFault(action);
      if (fault) throw new EksError(fault.code ?? 'ThrottlingException', fault.message ?? 'Rate exceeded', fault.status ?? 429);
      if (!m || !action) throw new EksError('UnknownOperationException', 'Unknown operation', 404);
      const name = decodeURIComponent(m[1]!);
      const cluster = clusters.get(name);
      const arn = cluster?.arn ?? `arn:aws:eks:${region}:${auth.identity.account}:cluster/${name}`;
      // IAM is checked before existence: a caller without eks:DescribeCluster learns nothing about the name.
      if (cluster?.allow && !cluster.allow.some((p) => covers(p, auth.identity))) {
        throw new EksError('AccessDeniedException', `User: ${auth.identity.arn} is not authorized to perform: eks:DescribeCluster on resource: ${arn}`, 403);
      }
      if (!cluster) throw new EksError('ResourceNotFoundException', `No cluster found for name: ${name}.`, 404, { clusterName: null, nodegroupName: null, fargateProfileName: null, addonName: null, subscriptionId: null });
      return json(200, {
        cluster: {
          name: cluster.name, arn: cluster.arn, createdAt: cluster.createdAt, version: cluster.version ?? '1.34', endpoint: cluster.endpoint,
          roleArn: `arn:aws:iam::${cluster.account ?? DEFAULT_ACCOUNT}:role/eks-cluster-role`,
          resourcesVpcConfig: { subnetIds: [], securityGroupIds: [], vpcId: 'vpc-0standin', endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['0.0.0.0/0'] },
          kubernetesNetworkConfig: { serviceIpv4Cidr: '10.100.0.0/16', ipFamily: 'ipv4' },
          status: 'ACTIVE', certificateAuthority: { data: Buffer.from(cluster.caPem).toString('base64') }, platformVersion: 'eks.1',
          tags: {}, accessConfig: { authenticationMode: 'API' },
        },
      }, id);
    } catch (err) {
      if (!(err instanceof EksError)) throw err;
      record.status = err.status;
      record.error = err.code;
      return json(err.status, { ...err.extra, message: err.message }, id, err.code);
    }
  });

  return { ...base, iam, addCluster: add, removeCluster: (name) => { clusters.delete(name); } };
}
