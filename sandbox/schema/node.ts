import type { SchemaNode } from '../contracts.ts';
import type { OpenAPIDocument, OpenAPISchema } from '../openapi/documents.ts';

const REF_PREFIX = '#/components/schemas/';
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

/**
 * Defines `key` on `node` as a getter that computes once and then becomes a plain data property.
 * Components can be recursive (JSONSchemaProps contains JSONSchemaProps), so children are built
 * only when someone walks into them.
 */
export function lazy<K extends 'properties' | 'items' | 'additional'>(node: SchemaNode, key: K, compute: () => SchemaNode[K] | undefined): void {
  Object.defineProperty(node, key, {
    configurable: true,
    enumerable: true,
    get() {
      const value = compute();
      if (value === undefined) delete (node as Record<string, unknown>)[key];
      else Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
      return value;
    },
  });
}

/**
 * List semantics as server-side apply sees them. Built-in types that only carry strategic-merge
 * markers (patch-strategy merge + merge key) behave as list maps keyed by the merge key; merge lists
 * of scalars behave as sets; everything else is atomic, the structured-merge-diff default.
 */
function listSemantics(raw: OpenAPISchema, node: SchemaNode, itemsScalar: boolean): void {
  const declared = raw['x-kubernetes-list-type'];
  const strategy = raw['x-kubernetes-patch-strategy']?.split(',') ?? [];
  const mergeKey = raw['x-kubernetes-patch-merge-key'];
  if (declared) {
    node.listType = declared;
    if (declared === 'map') node.listMapKeys = raw['x-kubernetes-list-map-keys'] ?? (mergeKey ? [mergeKey] : []);
  } else if (strategy.includes('merge') && mergeKey) {
    node.listType = 'map';
    node.listMapKeys = [mergeKey];
  } else if (strategy.includes('merge') && itemsScalar) {
    node.listType = 'set';
  } else {
    node.listType = 'atomic';
  }
}

/** Resolves an OpenAPI document's schemas into SchemaNodes, one cached node per component. */
export class DocumentResolver {
  private readonly components = new Map<string, SchemaNode>();

  constructor(private readonly doc: OpenAPIDocument) {}

  component(name: string): SchemaNode | undefined {
    const cached = this.components.get(name);
    if (cached) return cached;
    const raw = this.doc.components.schemas[name];
    if (!raw) return undefined;
    const node: SchemaNode = {};
    // Cached before building so that recursive references find it.
    this.components.set(name, node);
    this.fill(node, raw);
    node.ref = name;
    return node;
  }

  /** The schema a property/item points to: its $ref or single-allOf target, plus the wrapper's own markers. */
  node(raw: OpenAPISchema): SchemaNode {
    const target = refTarget(raw);
    if (!target) {
      const node: SchemaNode = {};
      this.fill(node, raw);
      return node;
    }
    const base = this.component(target) ?? {};
    const node: SchemaNode = {};
    for (const key of Object.keys(base) as (keyof SchemaNode)[]) {
      if (key === 'properties' || key === 'items' || key === 'additional') continue;
      (node as Record<string, unknown>)[key] = base[key];
    }
    lazy(node, 'properties', () => base.properties);
    lazy(node, 'items', () => base.items);
    lazy(node, 'additional', () => base.additional);
    this.lift(node, raw, false);
    return node;
  }

  private fill(node: SchemaNode, raw: OpenAPISchema): void {
    if (raw.type && TYPES.has(raw.type)) node.type = raw.type as SchemaNode['type'];
    this.lift(node, raw, true);
    if (raw.properties) {
      const props = raw.properties;
      lazy(node, 'properties', () => Object.fromEntries(Object.entries(props).map(([k, v]) => [k, this.node(v)])));
    }
    if (raw.items) {
      const items = raw.items;
      lazy(node, 'items', () => this.node(items));
    }
    if (raw.additionalProperties && typeof raw.additionalProperties === 'object') {
      const additional = raw.additionalProperties;
      lazy(node, 'additional', () => this.node(additional));
    }
  }

  /** Copies the Kubernetes markers that sit on `raw` itself (wrappers override their target). */
  private lift(node: SchemaNode, raw: OpenAPISchema, own: boolean): void {
    if (raw.type === 'array' || node.type === 'array') {
      const items = raw.items;
      const itemTarget = items ? refTarget(items) : undefined;
      const itemRaw = itemTarget ? this.doc.components.schemas[itemTarget] : items;
      const scalar = !!itemRaw && itemRaw.type !== 'object' && !itemRaw.properties && itemRaw.type !== 'array' && !!itemRaw.type;
      if (own || raw['x-kubernetes-list-type'] || raw['x-kubernetes-patch-strategy']) listSemantics(raw, node, scalar);
    }
    if (raw['x-kubernetes-patch-strategy']) node.patchStrategy = raw['x-kubernetes-patch-strategy'];
    if (raw['x-kubernetes-patch-merge-key']) node.patchMergeKey = raw['x-kubernetes-patch-merge-key'];
    if (raw['x-kubernetes-map-type']) node.mapType = raw['x-kubernetes-map-type'];
    if (raw['x-kubernetes-preserve-unknown-fields']) node.preserveUnknownFields = true;
    if (raw['x-kubernetes-int-or-string'] || raw.format === 'int-or-string') node.intOrString = true;
    if (raw['x-kubernetes-embedded-resource']) node.embeddedResource = true;
    if (raw.required) node.required = [...raw.required];
    if (raw.default !== undefined) node.default = raw.default;
    if (raw.enum) node.enum = raw.enum;
    if (raw.format) node.format = raw.format;
    if (raw.description) node.description = raw.description;
  }
}

function refTarget(raw: OpenAPISchema): string | undefined {
  const ref = raw.$ref ?? (raw.allOf?.length === 1 ? raw.allOf[0]?.$ref : undefined);
  return ref?.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : undefined;
}
