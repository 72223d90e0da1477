import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call, cm, deployment } from './helpers.ts';

const cms = '/api/v1/namespaces/default/configmaps';
const deploys = '/apis/apps/v1/namespaces/default/deployments';
const apply = 'application/apply-patch+yaml';

describe('sandbox writes: patches, server-side apply, dry runs, field validation, subresources', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false });
  });
  afterAll(() => sb.stop());

  it('applies JSON patch, merge patch and strategic merge patch (containers merge by name)', async () => {
    await call(sb, 'POST', deploys, { body: deployment('p') });
    const json = await call(sb, 'PATCH', `${deploys}/p`, { body: [{ op: 'replace', path: '/spec/replicas', value: 2 }], contentType: 'application/json-patch+json' });
    expect(json.json.spec.replicas).toBe(2);
    const merge = await call(sb, 'PATCH', `${deploys}/p`, { body: { metadata: { labels: { m: '1' } } }, contentType: 'application/merge-patch+json' });
    expect(merge.json.metadata.labels).toEqual({ app: 'p', m: '1' });
    const smp = await call(sb, 'PATCH', `${deploys}/p`, { body: { spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox' }] } } } }, contentType: 'application/strategic-merge-patch+json' });
    expect(smp.json.spec.template.spec.containers.map((c: { name: string }) => c.name).sort()).toEqual(['c', 'side']);
    expect((await call(sb, 'PATCH', `${deploys}/p`, { body: {}, contentType: 'text/plain' })).status).toBe(415);
  });

  it('records Update managedFields with the manager from fieldManager or the User-Agent prefix', async () => {
    const byParam = (await call(sb, 'POST', `${cms}?fieldManager=my-tool`, { body: cm('mf1') })).json;
    expect(byParam.metadata.managedFields[0]).toMatchObject({ manager: 'my-tool', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1' });
    const byAgent = (await call(sb, 'POST', cms, { body: cm('mf2'), headers: { 'user-agent': 'kubectl/v1.34.1 (linux/amd64) kubernetes/abc' } })).json;
    expect(byAgent.metadata.managedFields[0].manager).toBe('kubectl');
  });

  it('server-side apply creates, owns fields, conflicts with the real message and honours force', async () => {
    const first = await call(sb, 'PATCH', `${deploys}/ssa?fieldManager=alice`, { body: deployment('ssa', 1), contentType: apply });
    expect(first.status).toBe(201);
    expect(first.json.metadata.managedFields[0]).toMatchObject({ manager: 'alice', operation: 'Apply' });
    const conflict = await call(sb, 'PATCH', `${deploys}/ssa?fieldManager=bob`, { body: deployment('ssa', 5), contentType: apply });
    expect(conflict.status).toBe(409);
    expect(conflict.json.reason).toBe('Conflict');
    expect(conflict.json.message).toBe('Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    const forced = await call(sb, 'PATCH', `${deploys}/ssa?fieldManager=bob&force=true`, { body: deployment('ssa', 5), contentType: apply });
    expect(forced.status).toBe(200);
    expect(forced.json.spec.replicas).toBe(5);
  });

  it('an apply without fieldManager, or force on a non-apply patch, is 422 on PatchOptions (apimachinery ValidatePatchOptions)', async () => {
    const res = await call(sb, 'PATCH', `${deploys}/nofm`, { body: deployment('nofm'), contentType: apply });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ reason: 'Invalid', message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', details: { group: 'meta.k8s.io', kind: 'PatchOptions' } });
    const force = await call(sb, 'PATCH', `${deploys}/p?force=true`, { body: {}, contentType: 'application/merge-patch+json' });
    expect(force.status).toBe(422);
    expect(force.json.message).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });

  it('SSA removes a field when its last applier stops sending it, but keeps fields others own', async () => {
    await call(sb, 'PATCH', `${cms}/own?fieldManager=a`, { body: cm('own', { x: '1', y: '2' }), contentType: apply });
    await call(sb, 'PATCH', `${cms}/own?fieldManager=b`, { body: cm('own', { y: '2' }), contentType: apply });
    const after = await call(sb, 'PATCH', `${cms}/own?fieldManager=a`, { body: cm('own', {}), contentType: apply });
    expect(after.json.data).toEqual({ y: '2' });
  });

  it('dryRun=All stores nothing, emits no new resourceVersion and is counted as a dry run', async () => {
    const rv = (await call(sb, 'GET', '/api/v1/namespaces')).json.metadata.resourceVersion;
    const created = await call(sb, 'POST', `${cms}?dryRun=All`, { body: cm('dry') });
    expect(created.status).toBe(201);
    expect(created.json.metadata.uid).toBeTruthy();
    expect((await call(sb, 'GET', `${cms}/dry`)).status).toBe(404);
    await call(sb, 'POST', cms, { body: cm('dry2') });
    const rv2 = (await call(sb, 'GET', '/api/v1/namespaces')).json.metadata.resourceVersion;
    const patched = await call(sb, 'PATCH', `${cms}/dry2?dryRun=All`, { body: { data: { a: 'changed' } }, contentType: 'application/merge-patch+json' });
    expect(patched.json.data.a).toBe('changed');
    const deleted = await call(sb, 'DELETE', `${cms}/dry2?dryRun=All`);
    expect(deleted.status).toBe(200);
    expect((await call(sb, 'GET', `${cms}/dry2`)).json.data.a).toBe('1');
    expect((await call(sb, 'GET', '/api/v1/namespaces')).json.metadata.resourceVersion).toBe(rv2);
    expect(Number(rv2)).toBe(Number(rv) + 1);
  });

  it('fieldValidation: Strict rejects unknown fields, Warn drops them with a 299 Warning header, Ignore drops them', async () => {
    const body = { ...cm('fv'), bogus: 1 };
    const strict = await call(sb, 'POST', `${cms}?fieldValidation=Strict`, { body });
    expect(strict.status).toBe(400);
    // create.go's transformDecodeError wraps the strict decoding error like any decode failure.
    expect(strict.json.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
    const warn = await call(sb, 'POST', `${cms}?fieldValidation=Warn`, { body });
    expect(warn.status).toBe(201);
    expect(warn.headers.warning).toBe('299 - "unknown field \\"bogus\\""');
    expect(warn.json.bogus).toBeUndefined();
    const ignore = await call(sb, 'POST', `${cms}?fieldValidation=Ignore`, { body: { ...body, metadata: { name: 'fv2' } } });
    expect(ignore.headers.warning).toBeUndefined();
    expect(ignore.json.bogus).toBeUndefined();
  });

  it('serves the scale subresource as autoscaling/v1 Scale and records subresource scale', async () => {
    await call(sb, 'POST', deploys, { body: deployment('sc', 2) });
    const scale = await call(sb, 'GET', `${deploys}/sc/scale`);
    expect(scale.json).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { selector: 'app=sc' } });
    const patched = await call(sb, 'PATCH', `${deploys}/sc/scale`, { body: { spec: { replicas: 4 } }, contentType: 'application/merge-patch+json', headers: { 'user-agent': 'kubectl/v1.34.1' } });
    expect(patched.json.spec.replicas).toBe(4);
    const live = (await call(sb, 'GET', `${deploys}/sc`)).json;
    expect(live.spec.replicas).toBe(4);
    expect(live.metadata.managedFields.find((m: { subresource?: string }) => m.subresource === 'scale')).toMatchObject({ manager: 'kubectl', operation: 'Update' });
    const put = await call(sb, 'PUT', `${deploys}/sc/scale`, { body: { ...scale.json, spec: { replicas: 1 } } });
    expect(put.status).toBe(409);
  });

  it('the status subresource writes only status; the main resource ignores status', async () => {
    const d = (await call(sb, 'POST', deploys, { body: { ...deployment('st'), status: { replicas: 9 } } })).json;
    expect(d.status).toEqual({});
    const withStatus = await call(sb, 'PUT', `${deploys}/st/status`, { body: { ...d, spec: { ...d.spec, replicas: 7 }, status: { replicas: 1 } } });
    expect(withStatus.json.status.replicas).toBe(1);
    expect(withStatus.json.spec.replicas).toBe(1);
    const main = await call(sb, 'PUT', `${deploys}/st`, { body: { ...withStatus.json, status: { replicas: 5 } } });
    expect(main.json.status.replicas).toBe(1);
  });
});
