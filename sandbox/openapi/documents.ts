import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** An OpenAPI v3 document as served at /openapi/v3/<path>. */
export interface OpenAPIDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, unknown>;
  components: { schemas: Record<string, OpenAPISchema> };
}

export interface OpenAPISchema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, OpenAPISchema>;
  additionalProperties?: OpenAPISchema | boolean;
  items?: OpenAPISchema;
  allOf?: OpenAPISchema[];
  $ref?: string;
  required?: string[];
  default?: unknown;
  enum?: unknown[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [extension: string]: unknown;
}

const vendored = join(dirname(fileURLToPath(import.meta.url)), 'vendor', 'k8s-1.34-openapi-v3.json.gz');
let cache: Map<string, OpenAPIDocument> | undefined;

/** The built-in Kubernetes 1.34 documents, keyed by path under /openapi/v3 ("api/v1", "apis/apps/v1"). */
export function builtinOpenAPIDocuments(): Map<string, OpenAPIDocument> {
  if (!cache) {
    const parsed = JSON.parse(gunzipSync(readFileSync(vendored)).toString('utf8')) as Record<string, OpenAPIDocument>;
    cache = new Map(Object.entries(parsed));
  }
  return cache;
}
