import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call } from './helpers.ts';

const aggregatedV2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

describe('sandbox discovery and OpenAPI', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false });
  });
  afterAll(() => sb.stop());

  it('lists the core version and the GA groups in the order of a 1.34 server', async () => {
    expect((await call(sb, 'GET', '/api')).json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await call(sb, 'GET', '/apis')).json.groups.map((g: { name: string }) => g.name);
    expect(groups.slice(0, 3)).toEqual(['apiregistration.k8s.io', 'apps', 'events.k8s.io']);
    expect(groups).toEqual(expect.arrayContaining(['batch', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io', 'storage.k8s.io']));
    const autoscaling = (await call(sb, 'GET', '/apis/autoscaling')).json;
    expect(autoscaling.preferredVersion.version).toBe('v2');
  });

  it('derives resource lists from the OpenAPI paths, with short names, categories and subresources', async () => {
    const apps = (await call(sb, 'GET', '/apis/apps/v1')).json;
    const deploy = apps.resources.find((r: { name: string }) => r.name === 'deployments');
    expect(deploy).toMatchObject({ kind: 'Deployment', namespaced: true, singularName: 'deployment', shortNames: ['deploy'], categories: ['all'] });
    expect(deploy.verbs).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    expect(apps.resources.find((r: { name: string }) => r.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const core = (await call(sb, 'GET', '/api/v1')).json.resources;
    expect(core.find((r: { name: string }) => r.name === 'namespaces')).toMatchObject({ namespaced: false, shortNames: ['ns'] });
    expect(core.find((r: { name: string }) => r.name === 'configmaps').shortNames).toEqual(['cm']);
  });

  it('answers aggregated discovery v2 when the Accept header asks, with the matching Content-Type', async () => {
    const res = await call(sb, 'GET', '/apis', { headers: { accept: `${aggregatedV2},application/json` } });
    expect(res.headers['content-type']).toBe(aggregatedV2);
    expect(res.json.kind).toBe('APIGroupDiscoveryList');
    const apps = res.json.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'apps');
    const deploy = apps.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
    expect(deploy).toMatchObject({ scope: 'Namespaced', singularResource: 'deployment', shortNames: ['deploy'], responseKind: { kind: 'Deployment' } });
    expect(deploy.subresources.map((s: { subresource: string }) => s.subresource)).toEqual(['scale', 'status']);
    const core = await call(sb, 'GET', '/api', { headers: { accept: aggregatedV2.replace('v=v2', 'v=v2beta1') } });
    expect(core.json.apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    expect(core.json.items[0].versions[0].version).toBe('v1');
  });

  it('serves /openapi/v3 with ?hash= URLs, ETags, immutable caching and a redirect for stale hashes', async () => {
    const index = (await call(sb, 'GET', '/openapi/v3')).json;
    const url: string = index.paths['apis/apps/v1'].serverRelativeURL;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    const doc = await call(sb, 'GET', url);
    expect(doc.status).toBe(200);
    expect(doc.headers.etag).toBe(`"${url.split('hash=')[1]}"`);
    expect(doc.headers['cache-control']).toContain('immutable');
    expect(Object.keys(doc.json.paths)).toContain('/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
    expect((await call(sb, 'GET', '/openapi/v3/apis/apps/v1', { headers: { 'if-none-match': doc.headers.etag as string } })).status).toBe(304);
    const stale = await call(sb, 'GET', '/openapi/v3/apis/apps/v1?hash=00');
    expect(stale.status).toBe(301);
    expect(stale.headers.location).toBe(url);
  });

  it('answers 404 with a Status for unknown groups and resources', async () => {
    expect((await call(sb, 'GET', '/api/v1/namespaces/default/nodes')).status).toBe(404);
    const res = await call(sb, 'GET', '/apis/nope.example.com/v1/things');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' });
  });
});
