import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** What `aws eks get-token` asks for; EKS accepts the token for about 15 minutes whatever this says. */
export const PRESIGN_EXPIRES_SECONDS = 60;

/** RFC 3986 escaping, the one SigV4 canonicalises with. */
const escape = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** AWS credentials, as the SDK's providers give them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface MintOptions {
  cluster: string;
  region: string;
  credentials: AwsCredentials;
  /** When the token is signed; default now. */
  signingDate?: Date;
}

/**
 * A bearer token for an EKS cluster, minted exactly as `aws eks get-token` does: a SigV4-presigned
 * GET of STS GetCallerIdentity with the cluster's name in the signed header `x-k8s-aws-id`,
 * base64url-encoded without padding. EKS (aws-iam-authenticator) replays the URL to STS to learn
 * who signed it; nothing secret leaves the process except that short-lived signature.
 */
export async function mintEksToken(options: MintOptions): Promise<string> {
  const hostname = `sts.${options.region}.amazonaws.com`;
  const signer = new SignatureV4({ credentials: options.credentials, region: options.region, service: 'sts', sha256: Sha256 });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, 'x-k8s-aws-id': options.cluster },
  });
  const signed = await signer.presign(request, { expiresIn: PRESIGN_EXPIRES_SECONDS, ...(options.signingDate ? { signingDate: options.signingDate } : {}) });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string').map((v) => `${escape(key)}=${escape(v)}`))
    .join('&');
  return EKS_TOKEN_PREFIX + Buffer.from(`https://${hostname}/?${query}`, 'utf8').toString('base64url');
}

/** STS's RoleSessionName: 2–64 characters of [\w+=,.@-]. */
const SESSION_NAME_MAX = 64;

/**
 * `driftless-<app>`, made a valid session name: other characters become '-', and a name too long
 * keeps its start and ends with a hash of the whole, so two long app names stay distinct in
 * CloudTrail and in the cluster's audit log.
 */
export function sessionName(app: string): string {
  const name = `driftless-${app}`.replace(/[^\w+=,.@-]/g, '-');
  if (name.length <= SESSION_NAME_MAX) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, SESSION_NAME_MAX - hash.length - 1)}-${hash}`;
}
