import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call } from './helpers.ts';

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

const widgetCrd = (scope: 'Namespaced' | 'Cluster' = 'Namespaced', plural = 'widgets', kind = 'Widget'): Record<string, unknown> => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.example.com` },
  spec: {
    group: 'example.com', scope, names: { plural, singular: kind.toLowerCase(), kind, shortNames: [`${plural.slice(0, 2)}x`] },
    versions: [{
      name: 'v1', served: true, storage: true,
      subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
      additionalPrinterColumns: [{ name: 'Size', type: 'string', jsonPath: '.spec.size' }, { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
      schema: { openAPIV3Schema: { type: 'object', properties: {
        spec: { type: 'object', properties: { size: { type: 'string' }, replicas: { type: 'integer' }, free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
        status: { type: 'object', properties: { replicas: { type: 'integer' } } },
      } } },
    }],
  },
});

async function until<T>(fn: () => Promise<T | undefined>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sandbox CustomResourceDefinitions', () => {
  let sb: Sandbox;
  const widgets = '/apis/example.com/v1/namespaces/default/widgets';
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false });
    expect((await call(sb, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: widgetCrd() })).status).toBe(201);
  });
  afterAll(() => sb.stop());

  it('marks the CRD NamesAccepted and Established', async () => {
    const crd = await until(async () => {
      const res = (await call(sb, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')).json;
      return res.status?.conditions ? res : undefined;
    });
    expect(crd.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    expect(crd.status.acceptedNames).toMatchObject({ kind: 'Widget', plural: 'widgets', listKind: 'WidgetList' });
    expect(crd.status.storedVersions).toEqual(['v1']);
  });

  it('serves the custom resources with discovery, preserving unknown fields only where the schema says so', async () => {
    const rl = (await call(sb, 'GET', '/apis/example.com/v1')).json;
    expect(rl.resources.map((r: { name: string }) => r.name)).toEqual(['widgets', 'widgets/scale', 'widgets/status']);
    const created = await call(sb, 'POST', widgets, { body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 'L', replicas: 1, free: { any: { thing: 1 } }, junk: 1 }, status: { replicas: 3 } } });
    expect(created.status).toBe(201);
    expect(created.json.spec).toEqual({ size: 'L', replicas: 1, free: { any: { thing: 1 } } });
    expect(created.headers.warning).toContain('unknown field \\"spec.junk\\"');
    expect(created.json.status).toBeUndefined();
    expect(created.json.metadata.generation).toBe(1);
  });

  it('rejects values of the wrong type with the apiextensions validator message (422)', async () => {
    const res = await call(sb, 'POST', widgets, { body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'typed' }, spec: { replicas: 'three' } } });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe('Widget.example.com "typed" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    expect(res.json.details.causes[0]).toMatchObject({ reason: 'FieldValueTypeInvalid', field: 'spec.replicas' });
  });

  it('collects every schema error into one 422 with causes', async () => {
    const crd = (await call(sb, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')).json;
    crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.level = { type: 'integer', maximum: 10 };
    crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.tier = { type: 'string', enum: ['S', 'L'] };
    expect((await call(sb, 'PUT', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com', { body: crd })).status).toBe(200);
    const res = await call(sb, 'POST', widgets, { body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'many' }, spec: { level: 11, tier: 'XL' } } });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe('Widget.example.com "many" is invalid: [spec.level: Invalid value: 11: spec.level in body should be less than or equal to 10, spec.tier: Unsupported value: "XL": supported values: "S", "L"]');
    expect(res.json.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.level', message: 'Invalid value: 11: spec.level in body should be less than or equal to 10' },
      { reason: 'FieldValueNotSupported', field: 'spec.tier', message: 'Unsupported value: "XL": supported values: "S", "L"' },
    ]);
  });

  it('defaults stored objects on read once the CRD gains a default, without rewriting them', async () => {
    const crd = (await call(sb, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')).json;
    const before = (await call(sb, 'GET', `${widgets}/w`)).json;
    expect(before.spec.color).toBeUndefined();
    crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.color = { type: 'string', default: 'blue' };
    expect((await call(sb, 'PUT', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com', { body: crd })).status).toBe(200);
    const after = (await call(sb, 'GET', `${widgets}/w`)).json;
    expect(after.spec.color).toBe('blue');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((await call(sb, 'GET', widgets)).json.items[0].spec.color).toBe('blue');
  });

  it('answers 415 to strategic merge patches of custom resources', async () => {
    const res = await call(sb, 'PATCH', `${widgets}/w`, { body: { spec: { size: 'S' } }, contentType: 'application/strategic-merge-patch+json' });
    expect(res.status).toBe(415);
    expect(res.json.reason).toBe('UnsupportedMediaType');
  });

  it('serves status and scale subresources of custom resources', async () => {
    const w = (await call(sb, 'GET', `${widgets}/w`)).json;
    const status = await call(sb, 'PUT', `${widgets}/w/status`, { body: { ...w, status: { replicas: 1 } } });
    expect(status.json.status).toEqual({ replicas: 1 });
    expect(status.json.metadata.generation).toBe(1);
    const scaled = await call(sb, 'PATCH', `${widgets}/w/scale`, { body: { spec: { replicas: 4 } }, contentType: 'application/merge-patch+json' });
    expect(scaled.json).toMatchObject({ kind: 'Scale', spec: { replicas: 4 }, status: { replicas: 1 } });
    expect((await call(sb, 'GET', `${widgets}/w`)).json.metadata.generation).toBe(2);
  });

  it('serves cluster-scoped custom resources', async () => {
    await call(sb, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: widgetCrd('Cluster', 'gadgets', 'Gadget') });
    const res = await call(sb, 'POST', '/apis/example.com/v1/gadgets', { body: { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'ignored' } } });
    expect(res.status).toBe(201);
    expect(res.json.metadata.namespace).toBeUndefined();
  });

  it('generates an OpenAPI document per CRD group version with GVK markers and fieldValidation on PATCH', async () => {
    const index = (await call(sb, 'GET', '/openapi/v3')).json;
    const url = index.paths['apis/example.com/v1'].serverRelativeURL;
    const doc = (await call(sb, 'GET', url)).json;
    const patch = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'example.com', version: 'v1', kind: 'Widget' });
    expect(patch.parameters.map((p: { name: string }) => p.name)).toContain('fieldValidation');
    expect(doc.components.schemas['com.example.v1.Widget'].properties.spec.properties.size).toEqual({ type: 'string' });
  });

  it('renders server-side tables with additionalPrinterColumns', async () => {
    const table = (await call(sb, 'GET', widgets, { headers: { accept: tableAccept } })).json;
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Size', 'Age']);
    expect(table.rows[0].cells.slice(0, 2)).toEqual(['w', 'L']);
    expect(table.rows[0].cells[2]).toMatch(/^\d+s$/);
    expect(table.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'w' } });
  });

  it('stops serving the resources and deletes them when the CRD is deleted', async () => {
    await call(sb, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    expect((await call(sb, 'GET', widgets)).status).toBe(404);
    await call(sb, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: widgetCrd() });
    expect((await call(sb, 'GET', widgets)).json.items).toEqual([]);
  });
});
