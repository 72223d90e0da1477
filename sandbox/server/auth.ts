import { randomBytes } from 'node:crypto';
import { ApiError } from '../contracts.ts';

export interface User {
  name: string;
  uid: string;
  groups: string[];
  role: 'admin' | 'viewer' | 'anonymous';
}

export const anonymous: User = { name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'], role: 'anonymous' };
const readVerbs = new Set(['get', 'list', 'watch']);
const publicPaths = new Set(['/version', '/healthz', '/livez', '/readyz']);
/** Every authenticated user may ask who it is and what it may do (ClusterRole system:basic-user). */
const selfReviews = new Set(['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']);

export interface Attributes {
  verb: string;
  resource?: string;
  subresource?: string;
  group?: string;
  namespace?: string;
  name?: string;
  path: string;
}

export class Auth {
  readonly adminToken = randomBytes(24).toString('hex');
  readonly viewerToken = randomBytes(24).toString('hex');
  private readonly admin: User = { name: 'admin', uid: 'sandbox-admin', groups: ['system:masters', 'system:authenticated'], role: 'admin' };
  private readonly viewer: User = { name: 'viewer', uid: 'sandbox-viewer', groups: ['system:authenticated'], role: 'viewer' };

  /** The user for an Authorization header, or a 401 for a token nobody issued. */
  authenticate(header: string | undefined): User {
    if (!header) return anonymous;
    const token = header.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    if (token === this.adminToken) return this.admin;
    if (token === this.viewerToken) return this.viewer;
    throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  }

  userForToken(token: string): User | undefined {
    return token === this.adminToken ? this.admin : token === this.viewerToken ? this.viewer : undefined;
  }

  allowed(user: User, attrs: Attributes): boolean {
    if (user.role === 'admin') return true;
    if (!attrs.resource) return publicPaths.has(attrs.path) || (user.role === 'viewer' && attrs.verb === 'get');
    if (user.role === 'anonymous') return false;
    if (attrs.verb === 'create' && selfReviews.has(attrs.resource) && !attrs.subresource) return true;
    return readVerbs.has(attrs.verb);
  }

  /** 403 with the message of apiserver's forbiddenMessage + apimachinery's NewForbidden. */
  forbidden(user: User, attrs: Attributes): ApiError {
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
