import { groupOf, isRecord, versionOf } from '../core/objects.ts';
import type { KubeObject } from '../core/types.ts';
import type { ClusterClient } from '../ports/cluster.ts';
import type { DesiredObject } from './desired.ts';

/**
 * Objects that cannot be dry-run yet (custom resources whose CRD is in the same render, objects in
 * a namespace the same sync creates) are checked against their OpenAPI schema instead: the CRD's
 * openAPIV3Schema, or the server's /openapi/v3 document for built-in kinds. A small walker checks
 * what the API server's schema validation would reject (required fields, types, enums) without
 * compiling the large built-in documents: 500 objects take milliseconds.
 */
type Schema = Record<string, unknown>;

const MAX_ERRORS = 5;

interface Walk {
  resolve(ref: string): Schema | undefined;
  errors: string[];
}

function deref(schema: unknown, walk: Walk): Schema | undefined {
  let node = isRecord(schema) ? schema : undefined;
  for (let i = 0; node && i < 8; i++) {
    if (typeof node.$ref === 'string') node = walk.resolve(node.$ref);
    else if (Array.isArray(node.allOf) && node.allOf.length === 1 && node.properties === undefined && node.type === undefined) node = isRecord(node.allOf[0]) ? node.allOf[0] : undefined;
    else break;
  }
  return node;
}

function typeOk(value: unknown, schema: Schema): string | undefined {
  if (schema['x-kubernetes-int-or-string'] === true) return typeof value === 'string' || Number.isInteger(value) ? undefined : 'integer or string';
  switch (schema.type) {
    case 'object':
      return isRecord(value) ? undefined : 'object';
    case 'array':
      return Array.isArray(value) ? undefined : 'array';
    case 'string':
      return typeof value === 'string' ? undefined : 'string';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'integer';
    case 'number':
      return typeof value === 'number' ? undefined : 'number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'boolean';
    default:
      return undefined;
  }
}

function check(value: unknown, schemaIn: unknown, path: string, walk: Walk, depth: number): void {
  if (walk.errors.length >= MAX_ERRORS || depth > 60 || value === null || value === undefined) return;
  const schema = deref(schemaIn, walk);
  if (!schema) return;
  const wrongType = typeOk(value, schema);
  if (wrongType) {
    walk.errors.push(`${path || '<root>'}: Invalid value: ${JSON.stringify(value)?.slice(0, 60)}: ${path || '<root>'} in body must be of type ${wrongType}`);
    return;
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && !schema.enum.includes(value)) {
    walk.errors.push(`${path}: Unsupported value: ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => check(item, schema.items, `${path}[${i}]`, walk, depth + 1));
    return;
  }
  if (!isRecord(value) || (schema['x-kubernetes-preserve-unknown-fields'] === true && !schema.properties)) return;
  for (const key of Array.isArray(schema.required) ? schema.required : []) {
    if (typeof key === 'string' && (value[key] === undefined || value[key] === null)) walk.errors.push(`${path ? `${path}.` : ''}${key}: Required value`);
  }
  const properties = isRecord(schema.properties) ? schema.properties : undefined;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties?.[key] ?? (isRecord(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (childSchema) check(child, childSchema, path ? `${path}.${key}` : key, walk, depth + 1);
  }
}

function kindLabel(obj: KubeObject): string {
  const group = groupOf(obj.apiVersion);
  return group ? `${obj.kind}.${group}` : obj.kind;
}

/** Problems of `obj` against `schema`, as the API server words them, or undefined when none. */
export function validateAgainst(obj: KubeObject, schema: unknown, resolve: (ref: string) => Schema | undefined = () => undefined): string | undefined {
  const walk: Walk = { resolve, errors: [] };
  // metadata is validated by the server's own rules, not by the schema (CRDs leave it open).
  const { metadata: _metadata, ...rest } = obj;
  check(rest, isRecord(schema) ? { ...schema, required: (Array.isArray(schema.required) ? schema.required : []).filter((r) => r !== 'metadata') } : schema, '', walk, 0);
  if (walk.errors.length === 0) return undefined;
  return `${kindLabel(obj)} "${obj.metadata.name ?? ''}" is invalid: ${walk.errors.length === 1 ? walk.errors[0] : `[${walk.errors.join(', ')}]`}`;
}

function crdSchema(desired: DesiredObject[], obj: KubeObject): unknown {
  const group = groupOf(obj.apiVersion);
  const version = versionOf(obj.apiVersion);
  for (const d of desired) {
    const spec = d.object.spec;
    if (d.object.kind !== 'CustomResourceDefinition' || !isRecord(spec) || spec.group !== group) continue;
    if (!isRecord(spec.names) || spec.names.kind !== obj.kind || !Array.isArray(spec.versions)) continue;
    const v = spec.versions.find((item) => isRecord(item) && item.name === version);
    if (isRecord(v) && isRecord(v.schema)) return v.schema.openAPIV3Schema;
  }
  return undefined;
}

function gvkMatches(schema: unknown, group: string, version: string, kind: string): boolean {
  if (!isRecord(schema)) return false;
  const gvks = schema['x-kubernetes-group-version-kind'];
  return Array.isArray(gvks) && gvks.some((g) => isRecord(g) && g.group === group && g.version === version && g.kind === kind);
}

export class SchemaChecker {
  private readonly documents = new Map<string, Promise<Record<string, Schema>>>();
  private readonly names = new Map<string, string | undefined>();

  constructor(private readonly cluster: ClusterClient) {}

  /** components.schemas of a group version's OpenAPI document (empty when the server has none). */
  private schemas(group: string, version: string): Promise<Record<string, Schema>> {
    const id = `${group}/${version}`;
    let loaded = this.documents.get(id);
    if (!loaded) {
      loaded = (async () => {
        const doc = this.cluster.openApi ? await this.cluster.openApi(group, version) : undefined;
        const schemas = isRecord(doc) && isRecord(doc.components) && isRecord(doc.components.schemas) ? doc.components.schemas : {};
        return schemas as Record<string, Schema>;
      })();
      this.documents.set(id, loaded);
    }
    return loaded;
  }

  /** Starts loading the schemas objects of this type will need, so the fetch overlaps other work. */
  prefetch(item: DesiredObject): void {
    if (item.pendingCrd) return;
    // check() awaits the same promise and reports its failure; here it must not be unhandled.
    this.schemas(groupOf(item.object.apiVersion), versionOf(item.object.apiVersion)).catch(() => undefined);
  }

  /**
   * Undefined when valid (or when no schema is known); else a message in the API server's style.
   * `fromRender` checks against the CRD in the render even when the server serves the kind (its
   * schema is about to change in this sync).
   */
  async check(item: DesiredObject, desired: DesiredObject[], fromRender = false): Promise<string | undefined> {
    const obj = item.object;
    if (item.pendingCrd || fromRender) return validateAgainst(obj, crdSchema(desired, obj));
    const group = groupOf(obj.apiVersion);
    const version = versionOf(obj.apiVersion);
    const schemas = await this.schemas(group, version);
    const kindKey = `${group}/${version}/${obj.kind}`;
    if (!this.names.has(kindKey)) this.names.set(kindKey, Object.keys(schemas).find((key) => gvkMatches(schemas[key], group, version, obj.kind)));
    const name = this.names.get(kindKey);
    if (!name) return undefined;
    const prefix = '#/components/schemas/';
    return validateAgainst(obj, schemas[name], (ref) => (ref.startsWith(prefix) ? schemas[ref.slice(prefix.length).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined));
  }
}
