import type { GVK, SchemaIndex, SchemaNode } from '../contracts.ts';
import { builtinOpenAPIDocuments, type OpenAPIDocument } from '../openapi/documents.ts';
import { DocumentResolver } from './node.ts';

export { fromJSONSchemaProps, isCustomSchema } from './jsonschemaprops.ts';
import { markCustom } from './jsonschemaprops.ts';
export { unknownFields, requiredMissing } from './check.ts';
export { decodeTyped, type DecodeResult } from './decode.ts';
export { typedPatchError } from './typedcheck.ts';
export { quantityError, quantityValue } from './quantity.ts';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function gvkKey(gvk: GVK): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

function docPath(gvk: GVK): string {
  return gvk.group === '' ? `api/${gvk.version}` : `apis/${gvk.group}/${gvk.version}`;
}

/**
 * Schema lookup by GVK over the OpenAPI v3 documents (built-ins) plus CRD schemas registered at
 * run time. Nodes are built lazily and cached per document.
 */
export function createSchemaIndex(docs: Map<string, OpenAPIDocument> = builtinOpenAPIDocuments()): SchemaIndex {
  const resolvers = new Map<string, DocumentResolver>();
  const builtin = new Map<string, { path: string; name: string }>();
  const roots = new Map<string, SchemaNode>();
  const custom = new Map<string, SchemaNode>();

  for (const [path, doc] of docs) {
    resolvers.set(path, new DocumentResolver(doc));
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        const key = gvkKey(gvk);
        // Shared kinds (DeleteOptions, WatchEvent) are listed in many documents; the group's own wins.
        if (!builtin.has(key) || docPath(gvk) === path) builtin.set(key, { path, name });
      }
    }
  }

  const objectMeta = (): SchemaNode | undefined => {
    for (const resolver of resolvers.values()) {
      const node = resolver.component(OBJECT_META);
      if (node) return node;
    }
    return undefined;
  };

  return {
    root(gvk) {
      const key = gvkKey(gvk);
      const mine = custom.get(key);
      if (mine) return mine;
      const cached = roots.get(key);
      if (cached) return cached;
      const where = builtin.get(key);
      if (!where) return undefined;
      const node = resolvers.get(where.path)?.component(where.name);
      if (node) roots.set(key, node);
      return node;
    },
    registerCustom(gvk, schema) {
      // Custom resources always carry full object metadata, whatever the CRD's schema says of it.
      const meta = objectMeta() ?? { type: 'object', preserveUnknownFields: true };
      custom.set(
        gvkKey(gvk),
        markCustom({
          ...schema,
          type: 'object',
          properties: { ...schema.properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: meta },
        }),
      );
    },
    unregisterCustom(gvk) {
      custom.delete(gvkKey(gvk));
    },
  };
}
