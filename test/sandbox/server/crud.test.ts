import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call, cm, deployment } from './helpers.ts';

const cms = '/api/v1/namespaces/default/configmaps';
const deploys = '/apis/apps/v1/namespaces/default/deployments';

describe('sandbox verbs: get, list, create, update, delete', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false });
  });
  afterAll(() => sb.stop());

  it('creates with uid, creationTimestamp and a resourceVersion from one global counter', async () => {
    const a = await call(sb, 'POST', cms, { body: cm('rv-a') });
    const b = await call(sb, 'POST', cms, { body: cm('rv-b') });
    expect(a.status).toBe(201);
    expect(a.json.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.json.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(b.json.metadata.resourceVersion)).toBe(Number(a.json.metadata.resourceVersion) + 1);
    const got = await call(sb, 'GET', `${cms}/rv-a`);
    expect(got.json).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
  });

  it('answers 409 AlreadyExists and 404 NotFound with the real Status details', async () => {
    await call(sb, 'POST', cms, { body: cm('dup') });
    const again = await call(sb, 'POST', cms, { body: cm('dup') });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "dup" already exists', details: { name: 'dup', kind: 'configmaps' } });
    const missing = await call(sb, 'GET', `${deploys}/nope`);
    expect(missing.json).toMatchObject({ code: 404, reason: 'NotFound', message: 'deployments.apps "nope" not found', details: { name: 'nope', group: 'apps', kind: 'deployments' } });
  });

  it('fills generateName with five random characters', async () => {
    const res = await call(sb, 'POST', cms, { body: { metadata: { generateName: 'gen-' }, data: {} } });
    expect(res.json.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('creating in a missing namespace is 404, listing there is an empty 200', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/ghost/configmaps', { body: cm('x') });
    expect(res.status).toBe(404);
    expect(res.json.message).toBe('namespaces "ghost" not found');
    const list = await call(sb, 'GET', '/api/v1/namespaces/ghost/configmaps');
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ kind: 'ConfigMapList', items: [] });
  });

  it('creating in a Terminating namespace is 403 "because it is being terminated"', async () => {
    await call(sb, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'doomed' } } });
    const del = await call(sb, 'DELETE', '/api/v1/namespaces/doomed');
    expect(del.json.status.phase).toBe('Terminating');
    expect(del.json.metadata.deletionTimestamp).toBeTruthy();
    const res = await call(sb, 'POST', '/api/v1/namespaces/doomed/configmaps', { body: cm('late') });
    expect(res.status).toBe(403);
    expect(res.json.message).toBe('configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    // The finalize subresource changes spec.finalizers only; without finalizers the namespace goes.
    const ns = del.json;
    const finalized = await call(sb, 'PUT', '/api/v1/namespaces/doomed/finalize', { body: { ...ns, metadata: { ...ns.metadata, labels: { x: 'y' } }, spec: { finalizers: [] } } });
    expect(finalized.status).toBe(200);
    expect((await call(sb, 'GET', '/api/v1/namespaces/doomed')).status).toBe(404);
  });

  it('update with a stale resourceVersion is 409 Conflict', async () => {
    const created = (await call(sb, 'POST', cms, { body: cm('upd') })).json;
    const ok = await call(sb, 'PUT', `${cms}/upd`, { body: { ...created, data: { a: '2' } } });
    expect(ok.status).toBe(200);
    const stale = await call(sb, 'PUT', `${cms}/upd`, { body: { ...created, data: { a: '3' } } });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toBe('Operation cannot be fulfilled on configmaps "upd": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('a write that changes nothing keeps resourceVersion and managedFields timestamps', async () => {
    const created = (await call(sb, 'POST', cms, { body: cm('same') })).json;
    const again = (await call(sb, 'PUT', `${cms}/same`, { body: created })).json;
    expect(again.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(again.metadata.managedFields).toEqual(created.metadata.managedFields);
  });

  it('keeps metadata.generation per type: Deployments bump on spec, ConfigMaps have none', async () => {
    const d = (await call(sb, 'POST', deploys, { body: deployment('gen') })).json;
    expect(d.metadata.generation).toBe(1);
    const labelled = (await call(sb, 'PATCH', `${deploys}/gen`, { body: { metadata: { labels: { x: 'y' } } }, contentType: 'application/merge-patch+json' })).json;
    expect(labelled.metadata.generation).toBe(1);
    const scaled = (await call(sb, 'PATCH', `${deploys}/gen`, { body: { spec: { replicas: 3 } }, contentType: 'application/merge-patch+json' })).json;
    expect(scaled.metadata.generation).toBe(2);
    expect((await call(sb, 'GET', `${cms}/rv-a`)).json.metadata.generation).toBeUndefined();
  });

  it('merges Secret stringData into data and never stores it', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/default/secrets', { body: { metadata: { name: 's' }, data: { a: 'eA==' }, stringData: { b: 'hello' } } });
    expect(res.json.data).toEqual({ a: 'eA==', b: Buffer.from('hello').toString('base64') });
    expect(res.json.stringData).toBeUndefined();
  });

  it('lists with label selectors of the full syntax and field selectors', async () => {
    await call(sb, 'POST', cms, { body: cm('sel-1', {}, { tier: 'web', env: 'prod' }) });
    await call(sb, 'POST', cms, { body: cm('sel-2', {}, { tier: 'db', env: 'prod' }) });
    await call(sb, 'POST', cms, { body: cm('sel-3', {}, { tier: 'web' }) });
    const names = async (q: string): Promise<string[]> => (await call(sb, 'GET', `${cms}?${q}`)).json.items.map((i: { metadata: { name: string } }) => i.metadata.name).filter((n: string) => n.startsWith('sel-'));
    expect(await names('labelSelector=tier%3Dweb')).toEqual(['sel-1', 'sel-3']);
    expect(await names('labelSelector=tier%3D%3Dweb,env')).toEqual(['sel-1']);
    expect(await names('labelSelector=tier!%3Dweb')).toEqual(['sel-2']);
    expect(await names(`labelSelector=${encodeURIComponent('tier in (db, cache)')}`)).toEqual(['sel-2']);
    expect(await names(`labelSelector=${encodeURIComponent('tier notin (db),!env')}`)).toEqual(['sel-3']);
    expect(await names('fieldSelector=metadata.name%3Dsel-2')).toEqual(['sel-2']);
    expect((await call(sb, 'GET', `/api/v1/configmaps?fieldSelector=metadata.namespace%3Dkube-system`)).json.items.every((i: { metadata: { namespace: string } }) => i.metadata.namespace === 'kube-system')).toBe(true);
  });

  it('pages lists with limit and continue', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) await call(sb, 'POST', '/api/v1/namespaces/kube-public/configmaps', { body: cm(n) });
    const first = (await call(sb, 'GET', '/api/v1/namespaces/kube-public/configmaps?limit=2')).json;
    expect(first.items).toHaveLength(2);
    expect(first.metadata.continue).toBeTruthy();
    expect(first.metadata.remainingItemCount).toBeGreaterThanOrEqual(1);
    const rest = (await call(sb, 'GET', `/api/v1/namespaces/kube-public/configmaps?limit=2&continue=${first.metadata.continue}`)).json;
    const all = [...first.items, ...rest.items].map((i: { metadata: { name: string } }) => i.metadata.name);
    expect(all.filter((n) => n.startsWith('page-'))).toEqual(['page-a', 'page-b', 'page-c']);
  });

  it('deletes with preconditions, finalizers (deletionTimestamp, generation bump) and deletecollection', async () => {
    const d = (await call(sb, 'POST', deploys, { body: { ...deployment('fin'), metadata: { name: 'fin', finalizers: ['example.com/hold'] } } })).json;
    const wrongUid = await call(sb, 'DELETE', `${deploys}/fin`, { body: { preconditions: { uid: 'other' } } });
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.json.message).toContain('Precondition failed: UID in precondition: other');
    const marked = await call(sb, 'DELETE', `${deploys}/fin`);
    expect(marked.status).toBe(200);
    expect(marked.json.metadata.deletionTimestamp).toBeTruthy();
    expect(marked.json.metadata.generation).toBe(d.metadata.generation + 1);
    const released = await call(sb, 'PATCH', `${deploys}/fin`, { body: [{ op: 'remove', path: '/metadata/finalizers' }], contentType: 'application/json-patch+json' });
    expect(released.status).toBe(200);
    expect((await call(sb, 'GET', `${deploys}/fin`)).status).toBe(404);
    const plain = await call(sb, 'DELETE', `${cms}/rv-b`);
    expect(plain.json).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'rv-b', kind: 'configmaps' } });
    const gone = await call(sb, 'DELETE', `${cms}?labelSelector=tier%3Dweb`);
    expect(gone.json.items).toHaveLength(2);
    expect((await call(sb, 'GET', `${cms}/sel-1`)).status).toBe(404);
    expect((await call(sb, 'GET', `${cms}/sel-2`)).status).toBe(200);
  });

  it('adds the foregroundDeletion / orphan finalizers for those propagation policies', async () => {
    await call(sb, 'POST', deploys, { body: deployment('fg') });
    const fg = await call(sb, 'DELETE', `${deploys}/fg`, { body: { propagationPolicy: 'Foreground' } });
    expect(fg.json.metadata.finalizers).toEqual(['foregroundDeletion']);
    await call(sb, 'POST', deploys, { body: deployment('orph') });
    const orphan = await call(sb, 'DELETE', `${deploys}/orph?propagationPolicy=Orphan`);
    expect(orphan.json.metadata.finalizers).toEqual(['orphan']);
  });
});
