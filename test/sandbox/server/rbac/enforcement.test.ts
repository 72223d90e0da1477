import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSandbox, type Sandbox } from '../../../../sandbox/index.ts';
import { call } from '../helpers.ts';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const binding = (name: string, kind: 'Role' | 'ClusterRole', role: string, saNamespace = 'team', saName = 'bot'): object => ({
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
  subjects: [{ kind: 'ServiceAccount', name: saName, namespace: saNamespace }],
});
const role = (name: string, rules: object[]): object => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules });
const botGroups = '["system:serviceaccounts" "system:serviceaccounts:team" "system:authenticated"]';

describe('sandbox RBAC', () => {
  let sb: Sandbox;
  let bot: string;
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false });
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'team' } } });
    await call(sb, 'POST', '/api/v1/namespaces/team/serviceaccounts', { body: { metadata: { name: 'bot' } } });
    const issued = await call(sb, 'POST', '/api/v1/namespaces/team/serviceaccounts/bot/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
    expect(issued.status).toBe(201);
    bot = issued.json.status.token;
  });
  afterAll(() => sb.stop());
  afterEach(() => { vi.useRealTimers(); });

  it('has the bootstrap roles, with view, edit and admin aggregated from system:aggregate-to-*', async () => {
    const view = (await call(sb, 'GET', `${RBAC}/clusterroles/view`)).json;
    expect(view.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
    const resources = (r: { rules: Array<{ resources?: string[] }> }): string[] => r.rules.flatMap((x) => x.resources ?? []);
    expect(resources(view)).toContain('configmaps');
    expect(resources(view)).not.toContain('secrets');
    const edit = (await call(sb, 'GET', `${RBAC}/clusterroles/edit`)).json;
    expect(resources(edit)).toEqual(expect.arrayContaining(['secrets', 'configmaps']));
    const admin = (await call(sb, 'GET', `${RBAC}/clusterroles/admin`)).json;
    expect(resources(admin)).toEqual(expect.arrayContaining(['roles', 'rolebindings', 'secrets']));
    for (const name of ['cluster-admin', 'system:discovery', 'system:basic-user', 'system:public-info-viewer']) {
      expect((await call(sb, 'GET', `${RBAC}/clusterrolebindings/${name}`)).status).toBe(200);
    }
  });

  it('authenticates a TokenRequest token as the ServiceAccount, which can discover the API and nothing more', async () => {
    const who = await call(sb, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: bot, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(who.json.status.userInfo).toMatchObject({ username: 'system:serviceaccount:team:bot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] });
    for (const path of ['/api', '/apis', '/api/v1', '/apis/apps/v1', '/openapi/v3', '/version']) expect((await call(sb, 'GET', path, { token: bot })).status).toBe(200);
    const cms = await call(sb, 'GET', '/api/v1/namespaces/team/configmaps', { token: bot });
    expect(cms.status).toBe(403);
    expect(cms.json.message).toBe('configmaps is forbidden: User "system:serviceaccount:team:bot" cannot list resource "configmaps" in API group "" in the namespace "team"');
    expect((await call(sb, 'GET', '/metrics', { token: bot })).json.message).toBe('forbidden: User "system:serviceaccount:team:bot" cannot get path "/metrics"');
  });

  it('enforces a RoleBinding to view in its namespace only: no Secrets, no cluster-scope lists', async () => {
    expect((await call(sb, 'POST', `${RBAC}/namespaces/team/rolebindings`, { body: binding('bot-view', 'ClusterRole', 'view') })).status).toBe(201);
    expect((await call(sb, 'GET', '/api/v1/namespaces/team/configmaps', { token: bot })).status).toBe(200);
    expect((await call(sb, 'GET', '/api/v1/namespaces/default/configmaps', { token: bot })).status).toBe(403);
    const secret = await call(sb, 'GET', '/api/v1/namespaces/team/secrets/s', { token: bot });
    expect(secret.status).toBe(403);
    expect(secret.json.message).toBe('secrets "s" is forbidden: User "system:serviceaccount:team:bot" cannot get resource "secrets" in API group "" in the namespace "team"');
    const all = await call(sb, 'GET', '/apis/apps/v1/deployments', { token: bot });
    expect(all.json.message).toBe('deployments.apps is forbidden: User "system:serviceaccount:team:bot" cannot list resource "deployments" in API group "apps" at the cluster scope');
    // A namespace's own object is in its namespace for the authorizer.
    expect((await call(sb, 'GET', '/api/v1/namespaces/team', { token: bot })).status).toBe(200);
    expect((await call(sb, 'GET', '/api/v1/namespaces/default', { token: bot })).json.message).toBe('namespaces "default" is forbidden: User "system:serviceaccount:team:bot" cannot get resource "namespaces" in API group "" in the namespace "default"');
    // Removing the binding takes the permission away at once (the rule cache is dropped).
    expect((await call(sb, 'DELETE', `${RBAC}/namespaces/team/rolebindings/bot-view`)).status).toBe(200);
    expect((await call(sb, 'GET', '/api/v1/namespaces/team/configmaps', { token: bot })).status).toBe(403);
  });

  it('honours resourceNames and subresources', async () => {
    await call(sb, 'POST', `${RBAC}/namespaces/team/roles`, { body: role('one-cm', [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'], verbs: ['get'] }, { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }]) });
    await call(sb, 'POST', `${RBAC}/namespaces/team/rolebindings`, { body: binding('one-cm', 'Role', 'one-cm') });
    await call(sb, 'POST', '/api/v1/namespaces/team/configmaps', { body: { metadata: { name: 'cfg' } } });
    expect((await call(sb, 'GET', '/api/v1/namespaces/team/configmaps/cfg', { token: bot })).status).toBe(200);
    expect((await call(sb, 'GET', '/api/v1/namespaces/team/configmaps/other', { token: bot })).status).toBe(403);
    expect((await call(sb, 'GET', '/api/v1/namespaces/team/configmaps', { token: bot })).status).toBe(403);
    const log = await call(sb, 'GET', '/api/v1/namespaces/team/pods/p/log', { token: bot });
    expect(log.status).not.toBe(403);
    expect((await call(sb, 'GET', '/api/v1/namespaces/team/pods/p', { token: bot })).json.message).toBe('pods "p" is forbidden: User "system:serviceaccount:team:bot" cannot get resource "pods" in API group "" in the namespace "team"');
    const review = await call(sb, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { token: bot, body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'configmaps', namespace: 'team', name: 'cfg' } } } });
    expect(review.json.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "one-cm/team" of Role "one-cm" to ServiceAccount "bot/team"' });
    const rules = await call(sb, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { token: bot, body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'team' } } });
    expect(rules.json.status.resourceRules).toContainEqual({ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] });
    expect(rules.json.status.nonResourceRules).toContainEqual(expect.objectContaining({ nonResourceURLs: expect.arrayContaining(['/api', '/apis/*']) }));
  });

  it('refuses Roles and bindings that grant more than their author holds, unless it may escalate or bind', async () => {
    await call(sb, 'POST', `${RBAC}/namespaces/team/rolebindings`, { body: binding('bot-admin', 'ClusterRole', 'admin') });
    expect((await call(sb, 'POST', `${RBAC}/namespaces/team/roles`, { token: bot, body: role('readers', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }]) })).status).toBe(201);
    const nodes = await call(sb, 'POST', `${RBAC}/namespaces/team/roles`, { token: bot, body: role('nodes', [{ apiGroups: [''], resources: ['nodes', 'secrets'], verbs: ['get', 'list'] }]) });
    expect(nodes.status).toBe(403);
    expect(nodes.json.message).toBe(`roles.rbac.authorization.k8s.io "nodes" is forbidden: user "system:serviceaccount:team:bot" (groups=${botGroups}) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}`);
    expect(nodes.json.details).toEqual({ name: 'nodes', group: 'rbac.authorization.k8s.io', kind: 'roles' });
    const root = await call(sb, 'POST', `${RBAC}/namespaces/team/rolebindings`, { token: bot, body: binding('root', 'ClusterRole', 'cluster-admin', 'team', 'other') });
    expect(root.status).toBe(403);
    expect(root.json.message).toContain('rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "system:serviceaccount:team:bot"');
    expect(root.json.message).toContain('{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
    // An update is checked as well (a patch that adds a rule it does not hold).
    const patched = await call(sb, 'PATCH', `${RBAC}/namespaces/team/roles/readers`, { token: bot, contentType: 'application/merge-patch+json', body: { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] } });
    expect(patched.status).toBe(403);
    // Binding a role it holds all of is fine.
    expect((await call(sb, 'POST', `${RBAC}/namespaces/team/rolebindings`, { token: bot, body: binding('peer-view', 'ClusterRole', 'view', 'team', 'other') })).status).toBe(201);
    // The escalate and bind verbs lift the check.
    await call(sb, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { body: { metadata: { name: 'role-granter' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['cluster-admin'] }] } });
    await call(sb, 'POST', `${RBAC}/namespaces/team/rolebindings`, { body: binding('granter', 'ClusterRole', 'role-granter') });
    expect((await call(sb, 'POST', `${RBAC}/namespaces/team/roles`, { token: bot, body: role('nodes', [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]) })).status).toBe(201);
    expect((await call(sb, 'POST', `${RBAC}/namespaces/team/rolebindings`, { token: bot, body: binding('root', 'ClusterRole', 'cluster-admin', 'team', 'other') })).status).toBe(201);
  });

  it('authorizes an apply that creates its object as create too, one that updates as patch only', async () => {
    expect((await call(sb, 'POST', `${RBAC}/namespaces/team/roles`, { body: role('cm-patch', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['patch'] }]) })).status).toBe(201);
    await call(sb, 'POST', '/api/v1/namespaces/team/serviceaccounts', { body: { metadata: { name: 'patcher' } } });
    const patcher = (await call(sb, 'POST', '/api/v1/namespaces/team/serviceaccounts/patcher/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } })).json.status.token as string;
    expect((await call(sb, 'POST', `${RBAC}/namespaces/team/rolebindings`, { body: binding('patcher-cm-patch', 'Role', 'cm-patch', 'team', 'patcher') })).status).toBe(201);
    const apply = (name: string, data: Record<string, string>): Promise<{ status: number; json: { message?: string } }> => call(sb, 'PATCH', `/api/v1/namespaces/team/configmaps/${name}?fieldManager=patcher&force=true`, { token: patcher, contentType: 'application/apply-patch+yaml', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } });
    const create = await apply('applied', { a: '1' });
    expect(create.status).toBe(403);
    expect(create.json.message).toBe('configmaps "applied" is forbidden: User "system:serviceaccount:team:patcher" cannot create resource "configmaps" in API group "" in the namespace "team"');
    expect((await call(sb, 'POST', '/api/v1/namespaces/team/configmaps', { body: { metadata: { name: 'applied' }, data: { a: '0' } } })).status).toBe(201);
    expect((await apply('applied', { a: '1' })).status).toBe(200);
  });

  it('aggregates a new ClusterRole labelled aggregate-to-view into view', async () => {
    const gizmos = { metadata: { name: 'gizmo-reader', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ apiGroups: ['example.com'], resources: ['gizmos'], verbs: ['get', 'list'] }] };
    expect((await call(sb, 'POST', `${RBAC}/clusterroles`, { body: gizmos })).status).toBe(201);
    const view = (await call(sb, 'GET', `${RBAC}/clusterroles/view`)).json;
    expect(view.rules).toContainEqual({ apiGroups: ['example.com'], resources: ['gizmos'], verbs: ['get', 'list'] });
    const admin = (await call(sb, 'GET', `${RBAC}/clusterroles/admin`)).json;
    expect(admin.rules).toContainEqual({ apiGroups: ['example.com'], resources: ['gizmos'], verbs: ['get', 'list'] });
    const viewer = await call(sb, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { token: sb.viewerToken, body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'list', group: 'example.com', resource: 'gizmos', namespace: 'team' } } } });
    expect(viewer.json.status).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "sandbox-viewer" of ClusterRole "view" to User "viewer"' });
  });

  it('keeps the viewer context on view: it reads Deployments, not Secrets', async () => {
    expect((await call(sb, 'GET', '/apis/apps/v1/namespaces/default/deployments', { token: sb.viewerToken })).status).toBe(200);
    const secrets = await call(sb, 'GET', '/api/v1/namespaces/default/secrets', { token: sb.viewerToken });
    expect(secrets.json.message).toBe('secrets is forbidden: User "viewer" cannot list resource "secrets" in API group "" in the namespace "default"');
  });

  it('validates TokenRequests, 404s for a missing ServiceAccount, and stops honouring tokens that expired or whose account is gone', async () => {
    const short = await call(sb, 'POST', '/api/v1/namespaces/team/serviceaccounts/bot/token', { body: { spec: { expirationSeconds: 599 } } });
    expect(short.status).toBe(422);
    expect(short.json.message).toBe('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
    const missing = await call(sb, 'POST', '/api/v1/namespaces/team/serviceaccounts/nope/token', { body: { spec: {} } });
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('serviceaccounts "nope" not found');
    const tenMinutes = await call(sb, 'POST', '/api/v1/namespaces/team/serviceaccounts/bot/token', { body: { spec: { expirationSeconds: 600 } } });
    expect(tenMinutes.json.spec.expirationSeconds).toBe(600);
    const token = tenMinutes.json.status.token as string;
    const expires = Date.parse(tenMinutes.json.status.expirationTimestamp);
    expect(expires - Date.now()).toBeGreaterThan(590_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(600_000);
    expect((await call(sb, 'GET', '/api', { token })).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(expires + 1000);
    expect((await call(sb, 'GET', '/api', { token })).status).toBe(401);
    vi.useRealTimers();
    // Default lifetime is an hour; deleting the account revokes its tokens.
    const hour = await call(sb, 'POST', '/api/v1/namespaces/team/serviceaccounts/bot/token', { body: {} });
    expect(hour.json.spec.expirationSeconds).toBe(3600);
    await call(sb, 'DELETE', '/api/v1/namespaces/team/serviceaccounts/bot');
    expect((await call(sb, 'GET', '/api', { token: hour.json.status.token })).status).toBe(401);
  });
});
