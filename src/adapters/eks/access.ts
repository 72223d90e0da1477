import type { AssumeRoleCommand as AssumeRoleCommandType, STSClient } from '@aws-sdk/client-sts';
import { DriftlessError } from '../../core/errors.ts';
import { isRecord } from '../../core/objects.ts';
import { classify } from '../../core/retry.ts';
import { lazySdk } from '../aws/lazy-sdk.ts';
import { mintEksToken, sessionName, type AwsCredentials } from './token.ts';

export interface EksAccessOptions {
  cluster: string;
  region: string;
  roleArn?: string;
  externalId?: string;
  /** The app the session is for (session name driftless-<app>); default "driftless". */
  app?: string;
  /** Tokens are valid ~15 minutes; used for at most this long (default 10 minutes). */
  tokenTtlMs?: number;
  /** Fewest milliseconds between two 401-driven renewals (default 30 s): a role the cluster does not map must not cost an AssumeRole per request. */
  minRenewMs?: number;
  /** Extra SDK client settings (tests: credentials); endpoints come from AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_EKS. */
  clientConfig?: { credentials?: AwsCredentials | (() => Promise<AwsCredentials>) };
  now?: () => number;
}

export interface EksEndpoint {
  server: string;
  /** The cluster CA, base64 PEM, as DescribeCluster returns it. */
  caData: string;
}

/** How driftless reaches one EKS cluster: its endpoint, and tokens minted with the (assumed) role. */
export interface EksAccess {
  endpoint(): Promise<EksEndpoint>;
  token(): Promise<string>;
  /** The cluster answered 401: forget the token and the assumed role's credentials. False when that was just done. */
  renew(): boolean;
}

const TOKEN_TTL_MS = 10 * 60_000;
/** Assumed credentials are replaced this long before they expire, so no token outlives them. */
const CREDENTIALS_MARGIN_MS = 5 * 60_000;

function eksError(err: unknown, what: string, options: EksAccessOptions): DriftlessError {
  const name = isRecord(err) && typeof err.name === 'string' ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  const field = 'eks';
  if (name === 'ResourceNotFoundException') return new DriftlessError('CONFIG_INVALID', `EKS cluster ${options.cluster} not found in ${options.region} (${message}): check eks.cluster and eks.region`, { field }, { cause: err });
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'UnauthorizedOperation') {
    return new DriftlessError('CLUSTER_UNAUTHORIZED', `${what} for EKS cluster ${options.cluster} was refused (${message}): grant ${what === 'assuming the role' ? `sts:AssumeRole on ${options.roleArn ?? 'the role'} (and let its trust policy name driftless's role${options.externalId ? ' with the external id' : ''})` : 'eks:DescribeCluster on the cluster'}`, { field }, { cause: err });
  }
  if (name === 'CredentialsProviderError') return new DriftlessError('CLUSTER_UNAUTHORIZED', `no AWS credentials for ${what} (EKS cluster ${options.cluster}): on Lambda the function role provides them; elsewhere set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`, { field }, { cause: err });
  const verdict = classify(err);
  return new DriftlessError('CLUSTER_UNAVAILABLE', `${what} for EKS cluster ${options.cluster} failed (${name ? `${name}: ` : ''}${message})`, { field, ...(verdict.transient ? { transient: true } : {}) }, { cause: err });
}

export function createEksAccess(options: EksAccessOptions): EksAccess {
  const now = options.now ?? Date.now;
  const tokenTtl = Math.min(options.tokenTtlMs ?? TOKEN_TTL_MS, TOKEN_TTL_MS);
  // The SDK clients load on first use: a run without EKS clusters never loads them.
  let stsClient: Promise<{ client: STSClient; AssumeRoleCommand: typeof AssumeRoleCommandType }> | undefined;
  const sts = () => (stsClient ??= lazySdk(() => import('@aws-sdk/client-sts'), 'STSClient').then(({ STSClient, AssumeRoleCommand }) => ({
    client: new STSClient({ region: options.region, ...(options.clientConfig?.credentials ? { credentials: options.clientConfig.credentials } : {}) }),
    AssumeRoleCommand,
  })));
  let credentials: Promise<AwsCredentials> | undefined;
  let endpoint: Promise<EksEndpoint> | undefined;
  let token: { value: Promise<string>; at: number } | undefined;
  let renewedAt: number | undefined;

  const forget = <T>(promise: Promise<T>, clear: () => void): Promise<T> => {
    promise.catch(clear);
    return promise;
  };

  const roleCredentials = (): Promise<AwsCredentials> => {
    const cached = credentials;
    if (cached) {
      return cached.then((c) => (c.expiration && c.expiration.getTime() - CREDENTIALS_MARGIN_MS <= now() ? ((credentials = undefined), roleCredentials()) : c));
    }
    const load = async (): Promise<AwsCredentials> => {
      const { client, AssumeRoleCommand } = await sts();
      if (!options.roleArn) return client.config.credentials();
      try {
        const out = await client.send(new AssumeRoleCommand({ RoleArn: options.roleArn, RoleSessionName: options.app ? sessionName(options.app) : 'driftless', ...(options.externalId ? { ExternalId: options.externalId } : {}), DurationSeconds: 3600 }));
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
        return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}), ...(c.Expiration ? { expiration: c.Expiration } : {}) };
      } catch (err) {
        throw eksError(err, 'assuming the role', options);
      }
    };
    const loaded = forget(load().catch((err: unknown) => {
      throw err instanceof DriftlessError ? err : eksError(err, 'reading AWS credentials', options);
    }), () => (credentials = undefined));
    credentials = loaded;
    return loaded;
  };

  return {
    endpoint() {
      endpoint ??= forget((async () => {
        const { EKSClient, DescribeClusterCommand } = await lazySdk(() => import('@aws-sdk/client-eks'), 'EKSClient');
        const eks = new EKSClient({ region: options.region, credentials: roleCredentials });
        let out;
        try {
          out = await eks.send(new DescribeClusterCommand({ name: options.cluster }));
        } catch (err) {
          throw err instanceof DriftlessError ? err : eksError(err, 'eks:DescribeCluster', options);
        }
        const server = out.cluster?.endpoint;
        const caData = out.cluster?.certificateAuthority?.data;
        if (!server || !caData) {
          throw new DriftlessError('CLUSTER_UNAVAILABLE', `EKS cluster ${options.cluster} has no endpoint or CA yet (status ${out.cluster?.status ?? 'unknown'})`, { field: 'eks', transient: out.cluster?.status === 'CREATING' || out.cluster?.status === 'UPDATING' });
        }
        return { server, caData };
      })(), () => (endpoint = undefined));
      return endpoint;
    },
    token() {
      if (!token || now() - token.at >= tokenTtl) {
        const at = now();
        const value = forget((async () => mintEksToken({ cluster: options.cluster, region: options.region, credentials: await roleCredentials(), signingDate: new Date(at) }))(), () => (token = undefined));
        token = { value, at };
      }
      return token.value;
    },
    renew() {
      if (renewedAt !== undefined && now() - renewedAt < (options.minRenewMs ?? 30_000)) return false;
      renewedAt = now();
      token = undefined;
      credentials = undefined;
      return true;
    },
  };
}
