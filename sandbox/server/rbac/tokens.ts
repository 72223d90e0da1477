import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Obj, ResourceInfo } from '../../contracts.ts';
import type { Cluster } from '../cluster.ts';
import { invalid, notFound } from '../status.ts';
import { metaOf } from '../store.ts';
import { isObj, rfc3339 } from '../util.ts';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** MinTokenAgeSec and the TokenRequest default (pkg/apis/authentication). */
export const MIN_EXPIRATION_SECONDS = 600;
export const DEFAULT_EXPIRATION_SECONDS = 3600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

export interface ServiceAccountIdentity {
  name: string;
  uid: string;
  groups: string[];
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * Bound ServiceAccount tokens: JWTs naming the ServiceAccount (and its uid) with an expiry, signed
 * by a key of this sandbox. A token stops working when it expires or its ServiceAccount is deleted
 * or recreated, as the real authenticator's bound-token checks do.
 */
export class ServiceAccountTokens {
  private readonly key = randomBytes(32);
  private readonly info: ResourceInfo;
  /** Seconds since the epoch; tests move it to see tokens expire. */
  now: () => number = () => Math.floor(Date.now() / 1000);

  constructor(private readonly cluster: Cluster) {
    this.info = cluster.registry.lookup('', 'v1', 'serviceaccounts')!;
  }

  /** Issues a token for an existing ServiceAccount; 404 when there is none. */
  issue(namespace: string, name: string, expirationSeconds = DEFAULT_EXPIRATION_SECONDS, audiences: string[] = [ISSUER]): { token: string; expires: number } {
    const sa = this.cluster.store.get(this.info, namespace, name);
    if (!sa) throw notFound(this.info, name);
    const iat = this.now();
    const exp = iat + expirationSeconds;
    const header = b64({ alg: 'HS256', kid: 'sandbox' });
    const payload = b64({
      aud: audiences, exp, iat, nbf: iat, iss: ISSUER, jti: randomBytes(16).toString('hex'),
      sub: `system:serviceaccount:${namespace}:${name}`,
      'kubernetes.io': { namespace, serviceaccount: { name, uid: String(metaOf(sa).uid) } },
    });
    return { token: `${header}.${payload}.${this.sign(`${header}.${payload}`)}`, expires: exp };
  }

  /** The identity a token stands for, or undefined when it is not ours, expired or its account gone. */
  verify(token: string): ServiceAccountIdentity | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let claims: { exp?: number; 'kubernetes.io'?: { namespace?: string; serviceaccount?: { name?: string; uid?: string } } };
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return undefined;
    }
    if (typeof claims.exp !== 'number' || claims.exp <= this.now()) return undefined;
    const ns = claims['kubernetes.io']?.namespace;
    const sa = claims['kubernetes.io']?.serviceaccount;
    if (!ns || !sa?.name) return undefined;
    const live = this.cluster.store.get(this.info, ns, sa.name);
    if (!live || metaOf(live).uid !== sa.uid) return undefined;
    return { name: `system:serviceaccount:${ns}:${sa.name}`, uid: sa.uid ?? '', groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] };
  }

  /** POST …/serviceaccounts/<name>/token (pkg/registry/core/serviceaccount/storage/token.go). */
  tokenRequest(namespace: string, name: string, body: Obj): Obj {
    const spec: Obj = isObj(body.spec) ? body.spec : {};
    const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : DEFAULT_EXPIRATION_SECONDS;
    const causes = [];
    if (expirationSeconds < MIN_EXPIRATION_SECONDS) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`, field: 'spec.expirationSeconds' });
    if (expirationSeconds > MAX_EXPIRATION_SECONDS) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds`, field: 'spec.expirationSeconds' });
    if (!this.cluster.store.get(this.info, namespace, name)) throw notFound(this.info, name);
    if (causes.length > 0) throw invalid({ group: 'authentication.k8s.io', kind: 'TokenRequest', resource: 'tokenrequests' } as ResourceInfo, '', causes);
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : [ISSUER];
    const { token, expires } = this.issue(namespace, name, expirationSeconds, audiences);
    return {
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: rfc3339(new Date((expires - expirationSeconds) * 1000)) },
      spec: { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
      status: { token, expirationTimestamp: rfc3339(new Date(expires * 1000)) },
    };
  }

  private sign(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('base64url');
  }
}
