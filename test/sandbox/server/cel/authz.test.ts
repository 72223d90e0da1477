import { describe, expect, it } from 'vitest';
import { CelAuthorizer, type AuthzUser } from '../../../../sandbox/server/cel/authz.ts';
import { compile } from '../../../../sandbox/server/cel/env.ts';
import type { RequestAttributes } from '../../../../sandbox/server/rbac/rules.ts';

describe('CEL authorizer library', () => {
  const asked: Array<{ user: string; attrs: RequestAttributes }> = [];
  const decide = (user: AuthzUser, attrs: RequestAttributes): { allowed: boolean; reason: string } => {
    asked.push({ user: user.name, attrs });
    return user.name === 'alice' && attrs.verb === 'get' ? { allowed: true, reason: 'RBAC: allowed by RoleBinding "r/ns"' } : { allowed: false, reason: '' };
  };
  const authorizer = new CelAuthorizer(decide, { name: 'alice', uid: '', groups: [] }, { group: 'apps', resource: 'deployments', namespace: 'team', name: 'web' });
  const run = (expression: string): unknown => compile(expression, ['authorizer']).run({ authorizer });

  it('resource checks carry group, resource, subresource, namespace and name to RBAC', () => {
    asked.length = 0;
    expect(run('authorizer.group("apps").resource("deployments").subresource("scale").namespace("team").name("web").check("get").allowed()')).toBe(true);
    expect(asked[0]).toEqual({ user: 'alice', attrs: { group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'team', name: 'web', verb: 'get', path: '' } });
    expect(run('authorizer.group("").resource("pods").check("delete").allowed()')).toBe(false);
  });

  it('requestResource, path checks, serviceAccount and the decision accessors', () => {
    asked.length = 0;
    expect(run('authorizer.requestResource.check("get").reason()')).toBe('RBAC: allowed by RoleBinding "r/ns"');
    expect(asked[0]!.attrs).toMatchObject({ group: 'apps', resource: 'deployments', namespace: 'team', name: 'web' });
    expect(run('authorizer.path("/healthz").check("get").allowed()')).toBe(true);
    expect(run('authorizer.serviceAccount("team", "bot").path("/healthz").check("get").allowed()')).toBe(false);
    expect(asked.at(-1)!.user).toBe('system:serviceaccount:team:bot');
    expect(run('authorizer.path("/x").check("get").errored() || authorizer.path("/x").check("get").error() != ""')).toBe(false);
  });

  it('without an RBAC behind it every check is denied', () => {
    const none = new CelAuthorizer(undefined, { name: 'x', uid: '', groups: [] }, {});
    expect(compile('authorizer.path("/").check("get").allowed()', ['authorizer']).run({ authorizer: none })).toBe(false);
  });
});
