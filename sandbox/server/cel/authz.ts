import type { Environment } from '@marcbachmann/cel-js';
import type { Decision } from '../rbac/authorizer.ts';
import type { RequestAttributes } from '../rbac/rules.ts';

/**
 * Kubernetes' authz CEL library (apiserver/pkg/cel/library/authz.go): `authorizer.group('apps')
 * .resource('deployments').namespace('x').check('create').allowed()`, `authorizer.path('/healthz')
 * .check('get')`, `authorizer.serviceAccount(ns, name)`, `authorizer.requestResource`, answered by
 * the sandbox's RBAC for the request's user.
 */

export interface AuthzUser { name: string; uid: string; groups: string[] }
export type Decide = (user: AuthzUser, attrs: RequestAttributes) => Decision;

/** Each cluster's RBAC, registered by its Auth, so admission code can build authorizers. */
export const clusterAuthorizers = new WeakMap<object, Decide>();

export class CelDecision {
  constructor(readonly decision: Decision) {}
}

export class CelResourceCheck {
  constructor(readonly authz: CelAuthorizer, readonly attrs: Omit<RequestAttributes, 'verb' | 'path'>) {}
  with(extra: Partial<RequestAttributes>): CelResourceCheck {
    return new CelResourceCheck(this.authz, { ...this.attrs, ...extra });
  }
}

export class CelGroupCheck {
  constructor(readonly authz: CelAuthorizer, readonly group: string) {}
}

export class CelPathCheck {
  constructor(readonly authz: CelAuthorizer, readonly path: string) {}
}

export class CelAuthorizer {
  readonly requestResource: CelResourceCheck;
  constructor(readonly decide: Decide | undefined, readonly user: AuthzUser, request: Omit<RequestAttributes, 'verb' | 'path'>) {
    this.requestResource = new CelResourceCheck(this, request);
  }
  check(attrs: RequestAttributes): CelDecision {
    return new CelDecision(this.decide ? this.decide(this.user, attrs) : { allowed: false, reason: '' });
  }
}

const A = 'kubernetes.authorization.Authorizer';
const R = 'kubernetes.authorization.ResourceCheck';
const G = 'kubernetes.authorization.GroupCheck';
const P = 'kubernetes.authorization.PathCheck';
const D = 'kubernetes.authorization.Decision';
export const authorizerType = A;

export function registerAuthz(env: Environment): void {
  env.registerType(A, CelAuthorizer);
  env.registerType(R, CelResourceCheck);
  env.registerType(G, CelGroupCheck);
  env.registerType(P, CelPathCheck);
  env.registerType(D, CelDecision);
  env.registerFunction(`${A}.group(string): ${G}`, (a: CelAuthorizer, g: string) => new CelGroupCheck(a, g));
  env.registerFunction(`${A}.path(string): ${P}`, (a: CelAuthorizer, p: string) => new CelPathCheck(a, p));
  env.registerFunction(`${A}.serviceAccount(string, string): ${A}`, (a: CelAuthorizer, ns: string, name: string) => new CelAuthorizer(a.decide, { name: `system:serviceaccount:${ns}:${name}`, uid: '', groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] }, a.requestResource.attrs));
  env.registerFunction(`${G}.resource(string): ${R}`, (g: CelGroupCheck, r: string) => new CelResourceCheck(g.authz, { group: g.group, resource: r }));
  env.registerFunction(`${R}.subresource(string): ${R}`, (r: CelResourceCheck, s: string) => r.with({ subresource: s || undefined }));
  env.registerFunction(`${R}.namespace(string): ${R}`, (r: CelResourceCheck, s: string) => r.with({ namespace: s || undefined }));
  env.registerFunction(`${R}.name(string): ${R}`, (r: CelResourceCheck, s: string) => r.with({ name: s || undefined }));
  env.registerFunction(`${R}.check(string): ${D}`, (r: CelResourceCheck, verb: string) => r.authz.check({ ...r.attrs, verb, path: '' }));
  env.registerFunction(`${P}.check(string): ${D}`, (p: CelPathCheck, verb: string) => p.authz.check({ verb, path: p.path }));
  env.registerFunction(`${D}.allowed(): bool`, (d: CelDecision) => d.decision.allowed);
  env.registerFunction(`${D}.reason(): string`, (d: CelDecision) => d.decision.reason);
  env.registerFunction(`${D}.errored(): bool`, () => false);
  env.registerFunction(`${D}.error(): string`, () => '');
}
