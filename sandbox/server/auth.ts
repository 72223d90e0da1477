import { randomBytes } from 'node:crypto';
import { ApiError, type Obj, type ResourceInfo } from '../contracts.ts';
import { admitPodSecurity } from './admission/podsecurity-admission.ts';
import { clusterAuthorizers } from './cel/authz.ts';
import type { Cluster, WriteOptions } from './cluster.ts';
import { EksAuthenticator, type EksAuthOptions } from './eks-auth.ts';
import { installRbacPolicy } from './rbac/aggregation.ts';
import { RbacAuthorizer, type Decision } from './rbac/authorizer.ts';
import { checkRbacWrite } from './rbac/escalation.ts';
import type { RequestAttributes } from './rbac/rules.ts';
import { ServiceAccountTokens } from './rbac/tokens.ts';

export interface User {
  name: string;
  uid: string;
  groups: string[];
}

export const anonymous: User = { name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] };

export type Attributes = RequestAttributes;

const VIEWER = 'viewer';

/**
 * Authentication (the sandbox's two static tokens and ServiceAccount tokens) and authorization
 * (system:masters, then RBAC over the stored roles and bindings, as kube-apiserver's
 * `--authorization-mode=RBAC` chain does).
 */
export class Auth {
  readonly adminToken = randomBytes(24).toString('hex');
  readonly viewerToken = randomBytes(24).toString('hex');
  readonly rbac: RbacAuthorizer;
  readonly tokens: ServiceAccountTokens;
  private readonly admin: User = { name: 'admin', uid: 'sandbox-admin', groups: ['system:masters', 'system:authenticated'] };
  private readonly viewer: User = { name: VIEWER, uid: 'sandbox-viewer', groups: ['system:authenticated'] };
  private readonly eks: EksAuthenticator | undefined;

  constructor(private readonly cluster: Cluster, eks?: EksAuthOptions) {
    this.eks = eks ? new EksAuthenticator(eks) : undefined;
    this.rbac = new RbacAuthorizer(cluster);
    this.tokens = new ServiceAccountTokens(cluster);
    installRbacPolicy(cluster, VIEWER);
    // CEL's `authorizer` in admission policies and webhook matchConditions answers from these rules.
    clusterAuthorizers.set(cluster, (user, attrs) => this.decide(user, attrs));
  }

  /**
   * The user for an Authorization header, or a 401 for a token nobody issued (or that expired).
   * Async because an EKS token is checked by asking STS, as EKS's authenticator webhook does.
   */
  async authenticate(header: string | undefined): Promise<User> {
    if (!header) return anonymous;
    const token = header.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    const user = !token ? undefined : this.eks && token.startsWith('k8s-aws-v1.') ? await this.eks.verify(token) : this.userForToken(token);
    if (!user) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    return user;
  }

  /** Synchronous lookup (TokenReview): an EKS token counts only once a request has verified it. */
  userForToken(token: string): User | undefined {
    if (token === this.adminToken) return this.admin;
    if (token === this.viewerToken) return this.viewer;
    if (this.eks && token.startsWith('k8s-aws-v1.')) return this.eks.cached(token);
    return this.tokens.verify(token);
  }

  decide(user: User, attrs: Attributes): Decision {
    return this.rbac.authorize(user, withNamespace(attrs));
  }

  allowed(user: User, attrs: Attributes): boolean {
    return this.decide(user, attrs).allowed;
  }

  /** The RBAC escalation check of a user's writes of roles and bindings (their REST storage runs it before validation). */
  escalation(user: User): (info: ResourceInfo, next: Obj) => void {
    return (info, next) => checkRbacWrite(this.rbac, user, info, next);
  }

  /** Validating admission of a user's writes that depends on the request (PodSecurity enforce and warn), run after validation. */
  admission(user: User): (info: ResourceInfo, next: Obj, old: Obj | undefined, opts: WriteOptions) => void {
    return (info, next, old, opts) => admitPodSecurity(this.cluster, info, next, old, { warnings: opts.warnings, subresource: opts.subresource, user: user.name });
  }

  /** 403 with the message of apiserver's forbiddenMessage + apimachinery's NewForbidden. */
  forbidden(user: User, raw: Attributes): ApiError {
    const attrs = withNamespace(raw);
    if (!attrs.resource) {
      return new ApiError(403, 'Forbidden', `forbidden: User "${user.name}" cannot ${attrs.verb} path "${attrs.path}"`, {});
    }
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const where = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
    const why = `User "${user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group ?? ''}" ${where}`;
    const qualifiedResource = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
    const message = attrs.name ? `${qualifiedResource} "${attrs.name}" is forbidden: ${why}` : `${qualifiedResource} is forbidden: ${why}`;
    return new ApiError(403, 'Forbidden', message, { name: attrs.name, group: attrs.group, kind: attrs.resource });
  }
}

/** RequestInfoFactory puts a namespace's own name in the namespace attribute (`/api/v1/namespaces/foo`). */
function withNamespace(attrs: Attributes): Attributes {
  return attrs.resource === 'namespaces' && attrs.name && !attrs.namespace ? { ...attrs, namespace: attrs.name } : attrs;
}
