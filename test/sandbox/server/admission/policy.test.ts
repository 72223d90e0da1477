import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../../sandbox/index.ts';
import { findTool } from '../../../../src/tools/binaries.ts';
import { call, cm, deployment } from '../helpers.ts';

interface Run { code: number; stdout: string; stderr: string }
const API = '/apis/admissionregistration.k8s.io/v1';

describe('ValidatingAdmissionPolicy', () => {
  let sb: Sandbox;
  let dir = '';
  let kubeconfig = '';
  const kubectl = (args: string[], stdin?: string): Promise<Run> => new Promise((resolve) => {
    const child = execFile(findTool('kubectl').path, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
  const policy = async (name: string, spec: Record<string, unknown>): Promise<void> => {
    const res = await call(sb, 'POST', `${API}/validatingadmissionpolicies`, { body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec } });
    expect(res.status, res.text).toBe(201);
  };
  const binding = async (name: string, spec: Record<string, unknown>): Promise<void> => {
    const res = await call(sb, 'POST', `${API}/validatingadmissionpolicybindings`, { body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec } });
    expect(res.status, res.text).toBe(201);
  };
  const ns = async (name: string, labels: Record<string, string> = {}): Promise<void> => {
    const res = await call(sb, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } } });
    expect(res.status, res.text).toBe(201);
  };
  const deployRules = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-vap-'));
    kubeconfig = join(dir, 'kubeconfig');
    sb = await startSandbox({ kubeconfigPath: kubeconfig });
    await ns('prod', { env: 'prod' });
    await ns('dev', { env: 'dev' });
    await policy('replicas', { failurePolicy: 'Fail', matchConstraints: deployRules, validations: [{ expression: 'object.spec.replicas <= 5' }] });
    await binding('replicas-prod', { policyName: 'replicas', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } });
    await binding('replicas-dev', { policyName: 'replicas', validationActions: ['Warn'], matchResources: { namespaceSelector: { matchLabels: { env: 'dev' } } } });
  });
  afterAll(async () => { await sb?.stop(); });

  it('denies a create with the real 422 and message; dry runs and server-side apply alike', async () => {
    const res = await call(sb, 'POST', '/apis/apps/v1/namespaces/prod/deployments', { body: deployment('big', 6) });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({
      kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422,
      message: `deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'replicas' with binding 'replicas-prod' denied request: failed expression: object.spec.replicas <= 5`,
      details: { name: 'big', group: 'apps', kind: 'deployments', causes: [{ message: `ValidatingAdmissionPolicy 'replicas' with binding 'replicas-prod' denied request: failed expression: object.spec.replicas <= 5` }] },
    });
    expect(res.json.details.causes[0]).toEqual({ message: `ValidatingAdmissionPolicy 'replicas' with binding 'replicas-prod' denied request: failed expression: object.spec.replicas <= 5` });
    const dry = await call(sb, 'POST', '/apis/apps/v1/namespaces/prod/deployments?dryRun=All', { body: deployment('big', 6) });
    expect(dry.status).toBe(422);
    const apply = await call(sb, 'PATCH', '/apis/apps/v1/namespaces/prod/deployments/big?fieldManager=me', { body: JSON.stringify(deployment('big', 7)), contentType: 'application/apply-patch+yaml' });
    expect(apply.status).toBe(422);
    expect(apply.json.message).toContain(`ValidatingAdmissionPolicy 'replicas' with binding 'replicas-prod' denied request`);
    const ok = await call(sb, 'POST', '/apis/apps/v1/namespaces/prod/deployments', { body: deployment('small', 2) });
    expect(ok.status).toBe(201);
    const update = await call(sb, 'PATCH', '/apis/apps/v1/namespaces/prod/deployments/small', { body: { spec: { replicas: 9 } }, contentType: 'application/merge-patch+json' });
    expect(update.status).toBe(422);
    // Other namespaces are not bound to Deny.
    expect((await call(sb, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'free' } } })).status).toBe(201);
    expect((await call(sb, 'POST', '/apis/apps/v1/namespaces/free/deployments', { body: deployment('big', 6) })).status).toBe(201);
  });

  it('Warn admits with the real Warning header', async () => {
    const res = await call(sb, 'POST', '/apis/apps/v1/namespaces/dev/deployments', { body: deployment('big', 6) });
    expect(res.status).toBe(201);
    expect(res.headers.warning).toBe(`299 - "Validation failed for ValidatingAdmissionPolicy 'replicas' with binding 'replicas-dev': failed expression: object.spec.replicas <= 5"`);
  });

  it('Audit records the real validation_failure audit annotation and admits', async () => {
    await ns('audited', { env: 'audited' });
    await binding('replicas-audited', { policyName: 'replicas', validationActions: ['Audit'], matchResources: { namespaceSelector: { matchLabels: { env: 'audited' } } } });
    await call(sb, 'DELETE', '/_sandbox/audit');
    expect((await call(sb, 'POST', '/apis/apps/v1/namespaces/audited/deployments', { body: deployment('big', 6) })).status).toBe(201);
    const audit = await call(sb, 'GET', '/_sandbox/audit');
    expect(audit.json).toEqual([{
      resource: 'deployments', namespace: 'audited', name: 'big', user: 'admin',
      annotations: { 'validation.policy.admission.k8s.io/validation_failure': '[{"message":"failed expression: object.spec.replicas <= 5","policy":"replicas","binding":"replicas-audited","expressionIndex":0,"validationActions":["Audit"]}]' },
    }]);
  });

  it('messageExpression, reason Forbidden (403), variables, request and namespaceObject', async () => {
    await policy('names', {
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] },
      variables: [{ name: 'prefix', expression: 'namespaceObject.metadata.labels.env + "-"' }],
      validations: [{ expression: 'object.metadata.name.startsWith(variables.prefix)', messageExpression: '"name must start with " + variables.prefix + " (user " + request.userInfo.username + ")"', reason: 'Forbidden' }],
    });
    await binding('names', { policyName: 'names', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] } } });
    const res = await call(sb, 'POST', '/api/v1/namespaces/dev/configmaps', { body: cm('settings') });
    expect(res.status).toBe(403);
    expect(res.json.reason).toBe('Forbidden');
    expect(res.json.message).toBe(`configmaps "settings" is forbidden: ValidatingAdmissionPolicy 'names' with binding 'names' denied request: name must start with dev- (user admin)`);
    expect((await call(sb, 'POST', '/api/v1/namespaces/dev/configmaps', { body: cm('dev-settings') })).status).toBe(201);
  });

  it('params from the binding paramRef; parameterNotFoundAction Deny and Allow', async () => {
    await policy('maxrep', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE'], resources: ['deployments'] }], namespaceSelector: { matchLabels: { params: 'yes' } } },
      validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', messageExpression: '"at most " + params.data.max + " replicas"' }],
    });
    await ns('p1', { params: 'yes' });
    await ns('p2', { params: 'yes' });
    await binding('maxrep-deny', { policyName: 'maxrep', validationActions: ['Deny'], paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' }, matchResources: { namespaceSelector: { matchLabels: { kubernetes_io_metadata_name: 'none' } } } });
    await binding('maxrep', { policyName: 'maxrep', validationActions: ['Deny'], paramRef: { name: 'limits', namespace: 'p1', parameterNotFoundAction: 'Allow' } });
    await binding('maxrep-local', { policyName: 'maxrep', validationActions: ['Deny'], paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' }, matchResources: { objectSelector: { matchLabels: { app: 'local' } } } });
    // No ConfigMap yet: Allow admits, Deny refuses.
    expect((await call(sb, 'POST', '/apis/apps/v1/namespaces/p1/deployments', { body: deployment('a', 4) })).status).toBe(201);
    const denied = await call(sb, 'POST', '/apis/apps/v1/namespaces/p2/deployments', { body: deployment('local', 1) });
    expect(denied.status).toBe(422);
    expect(denied.json.message).toBe(`deployments.apps "local" is forbidden: ValidatingAdmissionPolicy 'maxrep' with binding 'maxrep-local' denied request: failed to configure binding: no params found for policy binding with \`Deny\` parameterNotFoundAction`);
    expect((await call(sb, 'POST', '/api/v1/namespaces/p1/configmaps', { body: { ...cm('limits'), data: { max: '3' } } })).status).toBe(201);
    const over = await call(sb, 'POST', '/apis/apps/v1/namespaces/p2/deployments', { body: deployment('b', 4) });
    expect(over.status).toBe(422);
    expect(over.json.message).toBe(`deployments.apps "b" is forbidden: ValidatingAdmissionPolicy 'maxrep' with binding 'maxrep' denied request: at most 3 replicas`);
  });

  it('failurePolicy decides about runtime errors; excludeResourceRules, matchConditions and DELETE with oldObject', async () => {
    const cmRules = (ops: string[]): Record<string, unknown> => ({ resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ops, resources: ['configmaps', 'secrets'] }], excludeResourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['*'], resources: ['secrets'] }] });
    await ns('errs');
    await policy('strict-errors', { failurePolicy: 'Fail', matchConstraints: cmRules(['CREATE']), matchConditions: [{ name: 'only-errs', expression: 'request.namespace == "errs"' }], validations: [{ expression: 'object.data.missing == "x"' }] });
    await binding('strict-errors', { policyName: 'strict-errors', validationActions: ['Deny'] });
    const res = await call(sb, 'POST', '/api/v1/namespaces/errs/configmaps', { body: cm('c1') });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe(`configmaps "c1" is forbidden: ValidatingAdmissionPolicy 'strict-errors' with binding 'strict-errors' denied request: expression 'object.data.missing == "x"' resulted in error: no such key: missing`);
    // Secrets are excluded; other namespaces fail the match condition.
    expect((await call(sb, 'POST', '/api/v1/namespaces/errs/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } } })).status).toBe(201);
    expect((await call(sb, 'POST', '/api/v1/namespaces/free/configmaps', { body: cm('c1') })).status).toBe(201);
    await call(sb, 'DELETE', `${API}/validatingadmissionpolicybindings/strict-errors`);
    await policy('lenient-errors', { failurePolicy: 'Ignore', matchConstraints: cmRules(['CREATE', 'DELETE']), validations: [{ expression: 'object.data.missing == "x"' }, { expression: 'request.operation != "DELETE" || !has(oldObject.metadata.labels) || oldObject.metadata.labels.keep != "true"', message: 'this one stays' }] });
    await binding('lenient-errors', { policyName: 'lenient-errors', validationActions: ['Deny'] });
    expect((await call(sb, 'POST', '/api/v1/namespaces/errs/configmaps', { body: cm('c2', { a: '1' }, { keep: 'true' }) })).status).toBe(201);
    const del = await call(sb, 'DELETE', '/api/v1/namespaces/errs/configmaps/c2');
    expect(del.status).toBe(422);
    expect(del.json.message).toBe(`configmaps "c2" is forbidden: ValidatingAdmissionPolicy 'lenient-errors' with binding 'lenient-errors' denied request: this one stays`);
    expect((await call(sb, 'GET', '/api/v1/namespaces/errs/configmaps/c2')).status).toBe(200);
  });

  it('a policy whose CEL does not compile is refused with the real 422; so is a binding without actions', async () => {
    const res = await call(sb, 'POST', `${API}/validatingadmissionpolicies`, { body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'broken' }, spec: { matchConstraints: deployRules, validations: [{ expression: 'object.spec.replicas.frobnicate()' }, { expression: 'object.metadata.name.distinct() != []' }] } } });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe(`ValidatingAdmissionPolicy.admissionregistration.k8s.io "broken" is invalid: [spec.validations[0].expression: Invalid value: "object.spec.replicas.frobnicate()": compilation failed: ERROR: <input>:1:32: undeclared reference to 'frobnicate' (in container '')\n | object.spec.replicas.frobnicate()\n | ...............................^, spec.validations[1].expression: Invalid value: "object.metadata.name.distinct() != []": compilation failed: ERROR: <input>:1:30: undeclared reference to 'distinct' (in container '')\n | object.metadata.name.distinct() != []\n | .............................^]`);
    const reason = await call(sb, 'POST', `${API}/validatingadmissionpolicies`, { body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'why' }, spec: { matchConstraints: deployRules, validations: [{ expression: 'true', reason: 'Teapot' }] } } });
    expect(reason.json.message).toBe('ValidatingAdmissionPolicy.admissionregistration.k8s.io "why" is invalid: spec.validations[0].reason: Unsupported value: "Teapot": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"');
    const b = await call(sb, 'POST', `${API}/validatingadmissionpolicybindings`, { body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'b' }, spec: { policyName: 'replicas' } } });
    expect(b.status).toBe(422);
    expect(b.json.message).toBe('ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io "b" is invalid: spec.validationActions: Required value: at least one validation action is required');
  });

  it('Pods the workload controllers create are admitted too: a denial is the ReplicaSet\'s FailedCreate event', async () => {
    await ns('nopods', { pods: 'none' });
    await policy('no-pods', { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }], namespaceSelector: { matchLabels: { pods: 'none' } } }, validations: [{ expression: 'request.userInfo.username == "nobody"', message: 'no pods here' }] });
    await binding('no-pods', { policyName: 'no-pods', validationActions: ['Deny'] });
    expect((await call(sb, 'POST', '/apis/apps/v1/namespaces/nopods/deployments', { body: deployment('web', 1) })).status).toBe(201);
    let message = '';
    for (let i = 0; i < 100 && !message; i++) {
      const events = await call(sb, 'GET', '/api/v1/namespaces/nopods/events');
      message = ((events.json.items ?? []) as Array<{ reason: string; message: string }>).find((e) => e.reason === 'FailedCreate')?.message ?? '';
      if (!message) await new Promise((r) => setTimeout(r, 50));
    }
    expect(message).toMatch(/^Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: ValidatingAdmissionPolicy 'no-pods' with binding 'no-pods' denied request: no pods here$/);
    expect((await call(sb, 'GET', '/api/v1/namespaces/nopods/pods')).json.items).toEqual([]);
  });

  it('authorizer answers from RBAC for the request\'s user (and for a ServiceAccount)', async () => {
    await ns('authz');
    await policy('admins-only', {
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }], namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'authz' } } },
      validations: [
        { expression: 'authorizer.group("").resource("secrets").namespace("kube-system").check("delete").allowed()', messageExpression: '"only those who may delete secrets in kube-system, not " + request.userInfo.username' },
        { expression: '!authorizer.serviceAccount("authz", "bot").requestResource.check("create").allowed() || authorizer.path("/healthz").check("get").allowed()' },
      ],
    });
    await binding('admins-only', { policyName: 'admins-only', validationActions: ['Deny'] });
    expect((await call(sb, 'POST', '/api/v1/namespaces/authz/configmaps', { body: cm('by-admin') })).status).toBe(201);
    expect((await call(sb, 'POST', '/api/v1/namespaces/authz/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot' } } })).status).toBe(201);
    const rb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'bot-edit' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'authz' }] };
    expect((await call(sb, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/authz/rolebindings', { body: rb })).status).toBe(201);
    const token = (await call(sb, 'POST', '/api/v1/namespaces/authz/serviceaccounts/bot/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } })).json.status.token as string;
    const res = await call(sb, 'POST', '/api/v1/namespaces/authz/configmaps', { body: cm('by-bot'), token });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe(`configmaps "by-bot" is forbidden: ValidatingAdmissionPolicy 'admins-only' with binding 'admins-only' denied request: only those who may delete secrets in kube-system, not system:serviceaccount:authz:bot`);
  });

  it('kubectl apply prints the denial, and Warning: for a Warn binding', async () => {
    const manifest = (namespace: string): string => JSON.stringify({ ...deployment('kube', 8), metadata: { name: 'kube', namespace, labels: { app: 'kube' } } });
    const denied = await kubectl(['apply', '-f', '-'], manifest('prod'));
    expect(denied.code).not.toBe(0);
    // kubectl prints a 422 with causes as an invalid object, as it does against a real server (the docs show the same line).
    expect(denied.stderr).toContain(`The deployments "kube" is invalid: : ValidatingAdmissionPolicy 'replicas' with binding 'replicas-prod' denied request: failed expression: object.spec.replicas <= 5`);
    const warned = await kubectl(['apply', '-f', '-'], manifest('dev'));
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toContain(`Warning: Validation failed for ValidatingAdmissionPolicy 'replicas' with binding 'replicas-dev': failed expression: object.spec.replicas <= 5`);
    expect(warned.stdout).toContain('deployment.apps/kube created');
    // Both kinds are served (discovery, OpenAPI) as kubectl finds them.
    const listed = await kubectl(['get', 'validatingadmissionpolicies,validatingadmissionpolicybindings', '-o', 'name']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('validatingadmissionpolicy.admissionregistration.k8s.io/replicas');
    expect(listed.stdout).toContain('validatingadmissionpolicybinding.admissionregistration.k8s.io/replicas-prod');
  }, 60_000);
});
