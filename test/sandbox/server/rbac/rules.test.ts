import { describe, expect, it } from 'vitest';
import { compactRules, compactString, covers, ruleAllows, type PolicyRule } from '../../../../sandbox/server/rbac/rules.ts';

const pods: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };

describe('RBAC rule matching (RuleAllows)', () => {
  it('matches verb, group and resource, and nothing else', () => {
    expect(ruleAllows({ verb: 'get', resource: 'pods', group: '', namespace: 'a', name: 'p', path: '' }, pods)).toBe(true);
    expect(ruleAllows({ verb: 'watch', resource: 'pods', group: '', path: '' }, pods)).toBe(false);
    expect(ruleAllows({ verb: 'get', resource: 'pods', group: 'apps', path: '' }, pods)).toBe(false);
    expect(ruleAllows({ verb: 'get', resource: 'services', group: '', path: '' }, pods)).toBe(false);
  });

  it('needs the subresource to be named (pods does not grant pods/log), or */log', () => {
    expect(ruleAllows({ verb: 'get', resource: 'pods', subresource: 'log', group: '', path: '' }, pods)).toBe(false);
    expect(ruleAllows({ verb: 'get', resource: 'pods', subresource: 'log', group: '', path: '' }, { ...pods, resources: ['pods/log'] })).toBe(true);
    expect(ruleAllows({ verb: 'get', resource: 'pods', subresource: 'log', group: '', path: '' }, { ...pods, resources: ['*/log'] })).toBe(true);
    expect(ruleAllows({ verb: 'get', resource: 'pods', subresource: 'status', group: '', path: '' }, { ...pods, resources: ['*/log'] })).toBe(false);
  });

  it('limits by resourceNames (a list has no name, so it is not allowed by a named rule)', () => {
    const named: PolicyRule = { ...pods, resourceNames: ['web'] };
    expect(ruleAllows({ verb: 'get', resource: 'pods', group: '', name: 'web', path: '' }, named)).toBe(true);
    expect(ruleAllows({ verb: 'get', resource: 'pods', group: '', name: 'db', path: '' }, named)).toBe(false);
    expect(ruleAllows({ verb: 'list', resource: 'pods', group: '', path: '' }, named)).toBe(false);
  });

  it('matches non-resource URLs exactly or by a trailing *', () => {
    const rule: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/api', '/apis/*'] };
    expect(ruleAllows({ verb: 'get', path: '/api' }, rule)).toBe(true);
    expect(ruleAllows({ verb: 'get', path: '/api/v1' }, rule)).toBe(false);
    expect(ruleAllows({ verb: 'get', path: '/apis/apps/v1' }, rule)).toBe(true);
    expect(ruleAllows({ verb: 'post', path: '/apis/apps/v1' }, rule)).toBe(false);
    // A non-resource rule never allows a resource request, and the other way round.
    expect(ruleAllows({ verb: 'get', resource: 'pods', group: '', path: '/api/v1/pods' }, { verbs: ['*'], nonResourceURLs: ['*'] })).toBe(false);
    expect(ruleAllows({ verb: 'get', path: '/api' }, { verbs: ['*'], apiGroups: ['*'], resources: ['*'] })).toBe(false);
  });

  it('treats * as every verb, group and resource', () => {
    const all: PolicyRule = { verbs: ['*'], apiGroups: ['*'], resources: ['*'] };
    expect(ruleAllows({ verb: 'deletecollection', resource: 'gizmos', group: 'example.com', path: '' }, all)).toBe(true);
    expect(ruleAllows({ verb: 'get', resource: 'pods', subresource: 'log', group: '', path: '' }, all)).toBe(true);
  });
});

describe('RBAC escalation coverage (Covers, CompactRules, CompactString)', () => {
  it('covers what the owner holds, piece by piece across rules', () => {
    const owned: PolicyRule[] = [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['list'], apiGroups: [''], resources: ['pods', 'services'] }];
    expect(covers(owned, [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]).covered).toBe(true);
    const { covered, missing } = covers(owned, [{ verbs: ['get', 'list', 'delete'], apiGroups: ['', 'apps'], resources: ['pods'] }]);
    expect(covered).toBe(false);
    expect(compactRules(missing).map(compactString).sort()).toEqual([
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
      '{APIGroups:["apps"], Resources:["pods"], Verbs:["get" "list" "delete"]}',
    ]);
  });

  it('does not let a rule limited to names cover an unlimited one, and covers subresources with */sub', () => {
    const named: PolicyRule[] = [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }];
    expect(covers(named, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]).covered).toBe(false);
    expect(covers(named, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }]).covered).toBe(true);
    expect(covers([{ verbs: ['get'], apiGroups: [''], resources: ['*/log'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }]).covered).toBe(true);
  });

  it('covers non-resource URLs by prefix and prints them as the real server does', () => {
    const { covered, missing } = covers([{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/apis/apps', '/metrics'] }]);
    expect(covered).toBe(false);
    expect(compactRules(missing).map(compactString)).toEqual(['{NonResourceURLs:["/metrics"], Verbs:["get"]}']);
  });
});
