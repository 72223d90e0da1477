// Request parsing and decoding as the real server does them: boolean query parameters, dryRun and
// fieldValidation values, TypeMeta on objects and list items, decode errors (400), server-side
// apply schema errors (500) and allocation errors, the same with dryRun=All as without.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call, cm, deployment, readWatch } from './helpers.ts';

const cms = '/api/v1/namespaces/default/configmaps';
const deploys = '/apis/apps/v1/namespaces/default/deployments';
const secrets = '/api/v1/namespaces/default/secrets';
const svcs = '/api/v1/namespaces/default/services';
const apply = 'application/apply-patch+yaml';

describe('sandbox request parsing and decoding', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false, http: true });
  });
  afterAll(() => sb.stop());

  it('decodes percent-encoded paths as Go hands them to the apiserver (client-node encodes ":")', async () => {
    const encoded = await call(sb, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system%3Adiscovery');
    expect(encoded.status).toBe(200);
    expect(encoded.json.metadata.name).toBe('system:discovery');
  });

  it('boolean query parameters: false only for 0 and false (any case), the empty value is true', async () => {
    await call(sb, 'POST', cms, { body: cm('b1') });
    for (const v of ['true', 'True', '1', '', 'yes']) {
      const events = await readWatch(sb, `${cms}?watch=${v}&fieldSelector=metadata.name=b1`, (e) => e.length >= 1, 2000);
      expect(events[0]?.type, `watch=${v}`).toBe('ADDED');
    }
    for (const v of ['0', 'false', 'FALSE']) {
      const listed = await call(sb, 'GET', `${cms}?watch=${v}`);
      expect(listed.json.kind, `watch=${v}`).toBe('ConfigMapList');
    }
    await call(sb, 'PATCH', `${cms}/b1?fieldManager=a`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b1' }, data: { a: 'x' } }, contentType: apply });
    const conflict = await call(sb, 'PATCH', `${cms}/b1?fieldManager=b&force=FALSE`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b1' }, data: { a: 'y' } }, contentType: apply });
    expect(conflict.status).toBe(409);
    const forced = await call(sb, 'PATCH', `${cms}/b1?fieldManager=b&force=True`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b1' }, data: { a: 'y' } }, contentType: apply });
    expect(forced.status).toBe(200);
    expect(forced.json.data.a).toBe('y');
  });

  it('dryRun takes only All and fieldValidation only its four values, as 422s on the options kind', async () => {
    const create = await call(sb, 'POST', `${cms}?dryRun=true`, { body: cm('d1') });
    expect(create.status).toBe(422);
    expect(create.json.message).toBe('CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"true"}: supported values: "All"');
    expect(create.json.details.causes).toEqual([{ reason: 'FieldValueNotSupported', message: 'Unsupported value: []string{"true"}: supported values: "All"', field: 'dryRun' }]);
    const patch = await call(sb, 'PATCH', `${cms}/b1?dryRun=server`, { body: { data: { z: '1' } }, contentType: 'application/merge-patch+json' });
    expect(patch.json.message).toBe('PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"server"}: supported values: "All"');
    const del = await call(sb, 'DELETE', `${cms}/b1?dryRun=All&dryRun=x`);
    expect(del.json.message).toBe('DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"All", "x"}: supported values: "All"');
    const fv = await call(sb, 'PUT', `${cms}/b1?fieldValidation=strict`, { body: cm('b1') });
    expect(fv.status).toBe(422);
    expect(fv.json.message).toBe('UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
    expect((await call(sb, 'GET', `${cms}/b1`)).status).toBe(200);
  });

  it('objects and watch events carry apiVersion and kind; built-in list items do not', async () => {
    const created = await call(sb, 'POST', cms, { body: { metadata: { name: 't1' }, data: { a: '1' } } });
    expect(created.json).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect((await call(sb, 'GET', `${cms}/t1`)).json).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    const listed = await call(sb, 'GET', cms);
    const item = listed.json.items.find((i: { metadata: { name: string } }) => i.metadata.name === 't1');
    expect(item.apiVersion).toBeUndefined();
    expect(item.kind).toBeUndefined();
    const events = await readWatch(sb, `${cms}?watch=1&fieldSelector=metadata.name=t1`, (e) => e.length >= 1, 2000);
    expect(events[0]!.object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
  });

  it('a body whose values do not fit the Go types is a 400 "cannot be handled as", dry run or not', async () => {
    for (const q of ['', '?dryRun=All']) {
      const d = deployment('typed') as { spec: Record<string, unknown> };
      const bad = await call(sb, 'POST', `${deploys}${q}`, { body: { ...d, spec: { ...d.spec, replicas: 'two' } } });
      expect(bad.status).toBe(400);
      expect(bad.json.reason).toBe('BadRequest');
      expect(bad.json.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
      const secret = await call(sb, 'POST', `${secrets}${q}`, { body: { metadata: { name: 's' }, data: { token: 'c2VjcmV0!' } } });
      expect(secret.json.message).toBe('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 8');
      expect(secret.text).not.toContain('c2VjcmV0');
    }
    await call(sb, 'POST', deploys, { body: deployment('typed') });
    const put = await call(sb, 'PUT', `${deploys}/typed`, { body: { ...deployment('typed'), metadata: { name: 'typed', labels: { tier: 3 } } } });
    expect(put.json.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
  });

  it('a patch whose result does not fit the types is a 422 on the field "patch", as the patch handlers decode it', async () => {
    await call(sb, 'POST', deploys, { body: deployment('patched') });
    const merge = await call(sb, 'PATCH', `${deploys}/patched`, { body: { spec: { replicas: 'two' } }, contentType: 'application/merge-patch+json' });
    expect(merge.status).toBe(422);
    expect(merge.json.message).toMatch(/^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"apps\/v1\\",.*\\"replicas\\":\\"two\\".*": json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32$/);
    expect(merge.json.details.causes[0].field).toBe('patch');
    const smp = await call(sb, 'PATCH', `${deploys}/patched?fieldValidation=Strict`, { body: { spec: { replica: 2 } }, contentType: 'application/strategic-merge-patch+json' });
    expect(smp.status).toBe(422);
    expect(smp.json.message).toBe(' "" is invalid: patch: Invalid value: "map[spec:map[replica:2]]": strict decoding error: unknown field "spec.replica"');
    const warned = await call(sb, 'PATCH', `${deploys}/patched`, { body: { spec: { replica: 2 } }, contentType: 'application/merge-patch+json' });
    expect(warned.status).toBe(200);
    expect(warned.headers.warning).toBe('299 - "unknown field \\"spec.replica\\""');
    expect((await call(sb, 'GET', `${deploys}/patched`)).json.spec.replicas).toBe(1);
  });

  it('unknown fields on update: Strict is a 400, Warn (the default) drops them with a Warning', async () => {
    await call(sb, 'POST', cms, { body: cm('u1') });
    const strict = await call(sb, 'PUT', `${cms}/u1?fieldValidation=Strict`, { body: { ...cm('u1'), extra: 1 } });
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "extra"');
    const warn = await call(sb, 'PUT', `${cms}/u1`, { body: { ...cm('u1'), extra: 1 } });
    expect(warn.status).toBe(200);
    expect(warn.headers.warning).toBe('299 - "unknown field \\"extra\\""');
  });

  it('server-side apply of a body that does not fit the schema is a 500, whatever fieldValidation says', async () => {
    const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa', namespace: 'default' }, spec: { x: 1 } };
    for (const q of ['', '&fieldValidation=Strict', '&fieldValidation=Ignore', '&dryRun=All']) {
      const res = await call(sb, 'PATCH', `${deploys}/ssa?fieldManager=t${q}`, { body, contentType: apply });
      expect(res.status).toBe(500);
      expect(res.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'failed to create typed patch object (default/ssa; apps/v1, Kind=Deployment): .spec.x: field not declared in schema', code: 500 });
    }
    const wrong = await call(sb, 'PATCH', `/api/v1/namespaces/default/services/s1?fieldManager=t`, { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's1' }, spec: { ports: [{ port: 'http' }] } }, contentType: apply });
    expect(wrong.json.message).toBe('failed to create typed patch object (/s1; /v1, Kind=Service): .spec.ports[0].port: expected numeric (int or float), got string');
    expect((await call(sb, 'GET', `${deploys}/ssa`)).status).toBe(404);
  });

  it('fieldValidation=Strict on apply refuses repeated keys (YAML strict decoding); Ignore and Warn keep the last', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\ndata:\n  a: "1"\n  a: "2"\n';
    const strict = await call(sb, 'PATCH', `${cms}/dup?fieldManager=t&fieldValidation=Strict`, { body: yaml, contentType: apply });
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe('error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "a" already set in map');
    for (const fv of ['Warn', 'Ignore']) {
      const ok = await call(sb, 'PATCH', `${cms}/dup?fieldManager=t&fieldValidation=${fv}`, { body: yaml, contentType: apply });
      expect(ok.status).toBeLessThan(300);
      expect(ok.json.data).toEqual({ a: '2' });
    }
  });

  it('validation errors are the same with dryRun=All', async () => {
    const d = deployment('rec') as { spec: Record<string, unknown> };
    const body = { ...d, spec: { ...d.spec, strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } };
    for (const q of ['', '?dryRun=All']) {
      const res = await call(sb, 'POST', `${deploys}${q}`, { body });
      expect(res.status).toBe(422);
      expect(res.json.message).toBe("Deployment.apps \"rec\" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'");
    }
  });

  it('node ports: the range, and a port another Service holds, also across namespaces and in dry runs', async () => {
    const svc = (name: string, nodePort: number) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'NodePort', selector: { a: 'b' }, ports: [{ port: 80, nodePort }] } });
    const low = await call(sb, 'POST', svcs, { body: svc('low', 8080) });
    expect(low.status).toBe(422);
    expect(low.json.message).toBe('Service "low" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767');
    expect((await call(sb, 'POST', svcs, { body: svc('first', 30555) })).status).toBe(201);
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'other' } } });
    for (const [path, q] of [[svcs, ''], ['/api/v1/namespaces/other/services', '?dryRun=All']] as const) {
      const taken = await call(sb, 'POST', `${path}${q}`, { body: svc('second', 30555) });
      expect(taken.status).toBe(422);
      expect(taken.json.message).toBe('Service "second" is invalid: spec.ports[0].nodePort: Invalid value: 30555: provided port is already allocated');
    }
    // The holder itself may be updated with its own port.
    const own = await call(sb, 'PUT', `${svcs}/first`, { body: { ...svc('first', 30555), metadata: { name: 'first', labels: { x: 'y' } } } });
    expect(own.status).toBe(200);
  });
});
