import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * EKS bearer tokens (`k8s-aws-v1.<base64url presigned STS URL>`), checked as aws-iam-authenticator
 * does (pkg/token/token.go, Verify): the URL must be a presigned GetCallerIdentity at an STS host with
 * only SigV4 query parameters, X-Amz-Expires 0–900, X-Amz-Date under 15 minutes old and the
 * `x-k8s-aws-id` header signed. The authenticator then GETs the URL with `x-k8s-aws-id: <its cluster>`,
 * so STS refuses a token signed for another cluster, and maps the returned ARN to a Kubernetes user.
 * Here the GET goes to `stsEndpoint` (path and query unchanged, the signed Host kept) so that a local
 * STS checks signature and expiry.
 */

export interface EksAccessEntry {
  /** IAM principal: `arn:aws:iam::ACCOUNT:role/NAME` (any session of it) or `arn:aws:iam::ACCOUNT:user/NAME`. */
  principalArn: string;
  /**
   * Kubernetes username; `{{SessionName}}` and `{{AccountID}}` are filled in. Default as EKS access
   * entries: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/{{SessionName}}` for roles, the ARN for users.
   */
  username?: string;
  /** Kubernetes groups (bind them with RBAC); `system:authenticated` is always added. */
  groups?: string[];
}

export interface EksAuthOptions {
  /** Cluster name the tokens must be signed for (`x-k8s-aws-id`). */
  cluster: string;
  /** Where to send the presigned GET instead of sts.amazonaws.com, e.g. `http://127.0.0.1:PORT`. */
  stsEndpoint: string;
  accessEntries: EksAccessEntry[];
}

export interface EksUser {
  name: string;
  uid: string;
  groups: string[];
}

const PREFIX = 'k8s-aws-v1.';
const MAX_TOKEN_BYTES = 4096;
const LIFETIME_MS = 15 * 60 * 1000;
const CACHE_MS = 60 * 1000;
const STS_HOST = /^sts(\.[a-z]{2}(-gov)?-[a-z]+-\d)?\.amazonaws\.com$/;
const ALLOWED_PARAMS = new Set(['action', 'version', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-security-token', 'x-amz-signature', 'x-amz-signedheaders']);

/** The URL a token carries, if its shape is one the authenticator accepts; the date limits its life. */
export function presignedUrl(token: string, now = Date.now()): { url: URL; signedAt: number } | undefined {
  if (token.length > MAX_TOKEN_BYTES || !token.startsWith(PREFIX)) return undefined;
  const encoded = token.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  let url: URL;
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.port !== '' || !STS_HOST.test(url.hostname) || url.pathname !== '/') return undefined;
  const params = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const lower = key.toLowerCase();
    if (!ALLOWED_PARAMS.has(lower) || params.has(lower)) return undefined;
    params.set(lower, value);
  }
  if (params.get('action') !== 'GetCallerIdentity') return undefined;
  if (!(params.get('x-amz-signedheaders') ?? '').toLowerCase().split(';').includes('x-k8s-aws-id')) return undefined;
  const expires = Number(params.get('x-amz-expires'));
  if (!Number.isInteger(expires) || expires < 0 || expires > 900) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(params.get('x-amz-date') ?? '');
  if (!m) return undefined;
  const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (now > signedAt + LIFETIME_MS) return undefined;
  return { url, signedAt };
}

/** `arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R` (the authenticator's arn.Canonicalize). */
export function canonicalArn(arn: string): { principal: string; account: string; session?: string } | undefined {
  const assumed = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/([^/]+)$/.exec(arn);
  if (assumed) return { principal: `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`, account: assumed[2]!, session: assumed[4] };
  const user = /^arn:(aws[\w-]*):iam::(\d{12}):user\/.+$/.exec(arn);
  if (user) return { principal: arn, account: user[2]! };
  const role = /^arn:(aws[\w-]*):iam::(\d{12}):role\/.+$/.exec(arn);
  return role ? { principal: arn, account: role[2]! } : undefined;
}

function callerIdentity(url: URL, stsEndpoint: string, cluster: string): Promise<{ arn: string; userId: string } | undefined> {
  const target = new URL(stsEndpoint);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request({
      host: target.hostname, port: target.port || undefined, method: 'GET', path: `/${url.search}`, timeout: 10_000,
      headers: { host: url.host, 'x-k8s-aws-id': cluster, accept: 'application/json' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(undefined);
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Arn?: unknown; UserId?: unknown } } };
          const result = body.GetCallerIdentityResponse?.GetCallerIdentityResult;
          resolve(typeof result?.Arn === 'string' ? { arn: result.Arn, userId: String(result.UserId ?? '') } : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

export class EksAuthenticator {
  private readonly cache = new Map<string, { user: EksUser; until: number }>();

  constructor(private readonly options: EksAuthOptions) {}

  /** A user already verified for this token (TokenReview answers synchronously from this). */
  cached(token: string): EksUser | undefined {
    const hit = this.cache.get(token);
    if (hit && hit.until > Date.now()) return hit.user;
    if (hit) this.cache.delete(token);
    return undefined;
  }

  /** The user for a `k8s-aws-v1.` token, or undefined (401) for any failure. */
  async verify(token: string): Promise<EksUser | undefined> {
    const hit = this.cached(token);
    if (hit) return hit;
    const parsed = presignedUrl(token);
    if (!parsed) return undefined;
    const identity = await callerIdentity(parsed.url, this.options.stsEndpoint, this.options.cluster);
    const canonical = identity ? canonicalArn(identity.arn) : undefined;
    const entry = canonical ? this.options.accessEntries.find((e) => e.principalArn === canonical.principal) : undefined;
    if (!identity || !canonical || !entry) return undefined;
    const defaultName = canonical.session === undefined ? canonical.principal : identity.arn.replace(/[^/]+$/, '{{SessionName}}');
    const name = (entry.username ?? defaultName).replaceAll('{{SessionName}}', canonical.session ?? '').replaceAll('{{AccountID}}', canonical.account);
    const user: EksUser = { name, uid: `aws-iam-authenticator:${canonical.account}:${identity.userId.split(':')[0]}`, groups: [...new Set([...(entry.groups ?? []), 'system:authenticated'])] };
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(token, { user, until: Math.min(Date.now() + CACHE_MS, parsed.signedAt + LIFETIME_MS) });
    return user;
  }
}
