import type { Obj, SchemaNode, ValueChecks } from '../contracts.ts';

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Converts a CRD's `openAPIV3Schema` (apiextensions.k8s.io/v1 JSONSchemaProps, as JSON) into a
 * SchemaNode. Custom resources have no strategic-merge markers: lists without
 * `x-kubernetes-list-type` are atomic, as structured-merge-diff treats them.
 */
const custom = new WeakSet<SchemaNode>();

/** Marks a node as a custom resource schema (no Go zero values behind it). */
export function markCustom(node: SchemaNode): SchemaNode {
  custom.add(node);
  return node;
}

/** Whether a schema came from a CRD rather than the built-in OpenAPI documents. */
export function isCustomSchema(node: SchemaNode | undefined): boolean {
  return !!node && custom.has(node);
}

export function fromJSONSchemaProps(props: Obj): SchemaNode {
  const node: SchemaNode = {};
  custom.add(node);
  const type = props['type'];
  if (typeof type === 'string' && TYPES.has(type)) node.type = type as SchemaNode['type'];
  if (isObj(props['properties'])) {
    node.properties = Object.fromEntries(
      Object.entries(props['properties']).filter(([, v]) => isObj(v)).map(([k, v]) => [k, fromJSONSchemaProps(v as Obj)]),
    );
  }
  const items = props['items'];
  if (isObj(items)) node.items = fromJSONSchemaProps(items);
  else if (Array.isArray(items) && isObj(items[0])) node.items = fromJSONSchemaProps(items[0]);
  const additional = props['additionalProperties'];
  if (isObj(additional)) node.additional = fromJSONSchemaProps(additional);
  else if (additional === true) node.additional = {};
  if (Array.isArray(props['required'])) node.required = props['required'].filter((r): r is string => typeof r === 'string');
  if (node.type === 'array') {
    const listType = props['x-kubernetes-list-type'];
    node.listType = listType === 'map' || listType === 'set' ? listType : 'atomic';
    if (node.listType === 'map') {
      const keys = props['x-kubernetes-list-map-keys'];
      node.listMapKeys = Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
    }
  }
  const mapType = props['x-kubernetes-map-type'];
  if (mapType === 'atomic' || mapType === 'granular') node.mapType = mapType;
  if (props['x-kubernetes-preserve-unknown-fields'] === true) node.preserveUnknownFields = true;
  if (props['x-kubernetes-int-or-string'] === true) node.intOrString = true;
  if (props['x-kubernetes-embedded-resource'] === true) {
    node.embeddedResource = true;
    // An embedded resource implicitly declares its type and object metadata (apiextensions-apiserver
    // adds these to the structural schema).
    node.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', preserveUnknownFields: true },
      ...node.properties,
    };
  }
  if ('default' in props) node.default = props['default'];
  if (Array.isArray(props['enum'])) node.enum = props['enum'];
  if (typeof props['format'] === 'string') node.format = props['format'];
  if (typeof props['description'] === 'string') node.description = props['description'];
  if (props['nullable'] === true) node.nullable = true;
  const checks = valueChecks(props);
  if (checks) node.checks = checks;
  return node;
}

const NUMERIC = ['minimum', 'maximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const;

/**
 * The value keywords of one schema node, compiled when the CRD is registered so that a write only
 * compares. A pattern JavaScript cannot compile (RE2 and ECMAScript differ at the edges) is left
 * out rather than failing every write.
 */
function valueChecks(props: Obj): ValueChecks | undefined {
  const checks: ValueChecks = {};
  let any = false;
  for (const key of NUMERIC) {
    const v = props[key];
    if (typeof v === 'number' && Number.isFinite(v)) { checks[key] = v; any = true; }
  }
  if (props['exclusiveMinimum'] === true) checks.exclusiveMinimum = true;
  if (props['exclusiveMaximum'] === true) checks.exclusiveMaximum = true;
  const pattern = props['pattern'];
  if (typeof pattern === 'string') {
    try {
      checks.pattern = { source: pattern, re: new RegExp(pattern, 'u') };
      any = true;
    } catch {
      // See above: an uncompilable pattern checks nothing.
    }
  }
  return any ? checks : undefined;
}
