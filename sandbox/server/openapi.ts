import { createHash } from 'node:crypto';
import type { Obj, ResourceInfo } from '../contracts.ts';
import type { OpenAPIDocument } from '../openapi/documents.ts';

interface Served {
  body: string;
  hash: string;
}

function serve(doc: unknown): Served {
  const body = JSON.stringify(doc);
  return { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() };
}

/** /openapi/v3: the built-in 1.34 documents plus one generated document per CRD group version. */
export class OpenAPIService {
  private readonly served = new Map<string, Served>();
  private readonly custom = new Map<string, OpenAPIDocument>();
  private indexCache: string | undefined;

  constructor(private readonly builtin: Map<string, OpenAPIDocument>) {}

  setCustom(path: string, doc: OpenAPIDocument | undefined): void {
    if (doc) this.custom.set(path, doc); else this.custom.delete(path);
    this.served.delete(path);
    this.indexCache = undefined;
  }

  document(path: string): Served | undefined {
    let hit = this.served.get(path);
    if (hit) return hit;
    const doc = this.custom.get(path) ?? this.builtin.get(path);
    if (!doc) return undefined;
    hit = serve(doc);
    this.served.set(path, hit);
    return hit;
  }

  index(): string {
    if (!this.indexCache) {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      const names = [...new Set([...this.builtin.keys(), ...this.custom.keys()])].sort();
      for (const name of names) paths[name] = { serverRelativeURL: `/openapi/v3/${name}?hash=${this.document(name)!.hash}` };
      this.indexCache = JSON.stringify({ paths });
    }
    return this.indexCache;
  }

  /** Schemas every document references (ObjectMeta, Status, DeleteOptions, …), from a built-in document. */
  metaSchemas(): Record<string, unknown> {
    const apps = this.builtin.get('apis/apps/v1');
    return Object.fromEntries(Object.entries(apps?.components.schemas ?? {}).filter(([k]) => k.startsWith('io.k8s.apimachinery.')));
  }
}

const ref = (name: string): Obj => ({ $ref: `#/components/schemas/${name}` });
const query = (name: string, type = 'string'): Obj => ({ in: 'query', name, schema: { type, uniqueItems: true } });
const json = (schema: Obj): Obj => ({ content: { 'application/json': { schema }, 'application/yaml': { schema } } });

export function schemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** The document a real server generates for a CRD group version (paths with GVK markers, schemas). */
export function crdDocument(group: string, version: string, entries: Array<{ info: ResourceInfo; schema: Obj | undefined }>, meta: Record<string, unknown>): OpenAPIDocument {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { ...meta };
  for (const { info, schema } of entries) {
    const name = schemaName(group, version, info.kind);
    const gvk = { group, version, kind: info.kind };
    const props = { ...((schema?.properties as Obj | undefined) ?? {}) };
    props.apiVersion = { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
    props.kind = { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
    props.metadata = { allOf: [ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')], description: "Standard object's metadata." };
    schemas[name] = { ...(schema ?? { 'x-kubernetes-preserve-unknown-fields': true }), type: 'object', properties: props, 'x-kubernetes-group-version-kind': [gvk] };
    schemas[`${name}List`] = {
      type: 'object', required: ['items'], 'x-kubernetes-group-version-kind': [{ ...gvk, kind: `${info.kind}List` }],
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, items: { type: 'array', items: ref(name) }, metadata: { allOf: [ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta')] } },
    };
    const op = (action: string, extra: Obj = {}): Obj => ({
      operationId: `${action}${info.kind}`, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk,
      responses: { '200': json(ref(name)) }, ...extra,
    });
    const writeParams = [query('dryRun'), query('fieldManager'), query('fieldValidation')];
    const patchOp = op('patch', {
      parameters: [...writeParams, query('force', 'boolean')],
      requestBody: { content: { 'application/json-patch+json': { schema: ref('io.k8s.apimachinery.pkg.apis.meta.v1.Patch') }, 'application/merge-patch+json': { schema: ref('io.k8s.apimachinery.pkg.apis.meta.v1.Patch') }, 'application/apply-patch+yaml': { schema: ref('io.k8s.apimachinery.pkg.apis.meta.v1.Patch') } }, required: true },
    });
    const base = info.namespaced ? `/apis/${group}/${version}/namespaces/{namespace}/${info.resource}` : `/apis/${group}/${version}/${info.resource}`;
    paths[base] = { get: op('list', { responses: { '200': json(ref(`${name}List`)) } }), post: op('post', { parameters: writeParams, requestBody: json(ref(name)) }), delete: op('deletecollection') };
    paths[`${base}/{name}`] = { get: op('get'), put: op('put', { parameters: writeParams, requestBody: json(ref(name)) }), patch: patchOp, delete: op('delete') };
    if (info.namespaced) paths[`/apis/${group}/${version}/${info.resource}`] = { get: op('list', { responses: { '200': json(ref(`${name}List`)) } }) };
    if (info.subresources.status) paths[`${base}/{name}/status`] = { get: op('get'), put: op('put', { parameters: writeParams }), patch: patchOp };
    if (info.subresources.scale) {
      const scaleGvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
      paths[`${base}/{name}/scale`] = { get: { ...op('get'), 'x-kubernetes-group-version-kind': scaleGvk }, put: { ...op('put', { parameters: writeParams }), 'x-kubernetes-group-version-kind': scaleGvk }, patch: { ...patchOp, 'x-kubernetes-group-version-kind': scaleGvk } };
    }
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' }, paths, components: { schemas: schemas as OpenAPIDocument['components']['schemas'] } };
}
