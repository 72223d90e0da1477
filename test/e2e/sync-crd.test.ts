import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import { appConfig, configMap, deployment } from '../sync/fixtures.ts';
import { getJson, GitRepo, requests, resetRequests, sandboxDeps } from './sync-support.ts';

let sb: Sandbox;
let repo: GitRepo;

beforeAll(async () => {
  sb = await startSandbox({});
  repo = new GitRepo();
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
});

function deps(): SyncDeps {
  return sandboxDeps(sb, repo);
}

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer' } } } } } } }],
  },
};

describe('objects that cannot be dry-run yet', () => {
  const app = appConfig({ name: 'widgets', namespace: 'widgets', healthTimeoutSeconds: 20, allow: { namespaces: ['widgets'], kinds: ['*'], clusterScoped: true } });

  it('a CRD and its custom resources in one render: schema-checked, CRD applied and Established first', async () => {
    repo.commit({ 'app/crd.yaml': [crd], 'app/widget.yaml': [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } }] });
    const result = await syncApp(deps(), app);
    expect(result.errors).toEqual([]);
    expect(result.status).toBe('Synced');
    expect((await getJson(sb, '/apis/example.com/v1/namespaces/widgets/widgets/w'))?.spec).toEqual({ size: 3 });
  });

  it('an invalid custom resource next to its new CRD fails preflight against the CRD schema; nothing written', async () => {
    const other = { ...crd, metadata: { name: 'gadgets.example.com' }, spec: { ...crd.spec, names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' } } };
    repo.commit({ 'app/crd.yaml': [crd, other], 'app/gadget.yaml': [{ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' }, spec: { size: 'big' } }] });
    await resetRequests(sb);
    const result = await syncApp(deps(), app);
    expect(result.errors[0]!.code).toBe('PREFLIGHT_FAILED');
    expect(result.errors[0]!.message).toContain('app/gadget.yaml');
    expect(result.errors[0]!.message).toContain('Gadget.example.com "g" is invalid: spec.size');
    expect((await requests(sb)).writes).toBe(0);
  });

  it("objects in a namespace the sync creates are checked against the server's OpenAPI schema", async () => {
    const bad = deployment('api');
    delete (bad.spec as Record<string, unknown>).selector;
    repo.commit({ 'app/all.yaml': [configMap('c'), bad] });
    await resetRequests(sb);
    const result = await syncApp(deps(), appConfig({ name: 'fresh', namespace: 'fresh', allow: { namespaces: ['fresh'], kinds: ['*'], clusterScoped: false } }));
    expect(result.errors[0]!.code).toBe('PREFLIGHT_FAILED');
    expect(result.errors[0]!.message).toContain('app/all.yaml');
    expect(result.errors[0]!.message).toContain('Deployment.apps "api" is invalid: spec.selector: Required value');
    expect((await requests(sb)).writes).toBe(0);
    expect(await getJson(sb, '/api/v1/namespaces/fresh')).toBeUndefined();
  });

  it('a custom resource over its CRD\'s maximum fails at preflight (server dry run) naming the file; nothing written', async () => {
    const dials = {
      ...crd, metadata: { name: 'dials.example.com' },
      spec: {
        ...crd.spec, names: { kind: 'Dial', plural: 'dials', singular: 'dial', listKind: 'DialList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { level: { type: 'integer', maximum: 10, default: 5 } } } } } } }],
      },
    };
    const dialApp = appConfig({ name: 'dials', namespace: 'dials', healthTimeoutSeconds: 20, allow: { namespaces: ['dials'], kinds: ['*'], clusterScoped: true } });
    repo.commit({ 'app/crd.yaml': [dials], 'app/dial.yaml': [{ apiVersion: 'example.com/v1', kind: 'Dial', metadata: { name: 'ok' }, spec: {} }] });
    const first = await syncApp(deps(), dialApp);
    expect(first.errors).toEqual([]);
    expect((await getJson(sb, '/apis/example.com/v1/namespaces/dials/dials/ok'))?.spec).toEqual({ level: 5 });
    repo.commit({ 'app/crd.yaml': [dials], 'app/dial.yaml': [{ apiVersion: 'example.com/v1', kind: 'Dial', metadata: { name: 'ok' }, spec: { level: 11 } }] });
    await resetRequests(sb);
    const result = await syncApp(deps(), dialApp);
    expect(result.errors[0]!.code).toBe('PREFLIGHT_FAILED');
    expect(result.errors[0]!.message).toContain('app/dial.yaml');
    expect(result.errors[0]!.message).toContain('Dial.example.com "ok" is invalid: spec.level: Invalid value: 11: spec.level in body should be less than or equal to 10');
    expect((await requests(sb)).writes).toBe(0);
    expect((await getJson(sb, '/apis/example.com/v1/namespaces/dials/dials/ok'))?.spec).toEqual({ level: 5 });
  });
});
