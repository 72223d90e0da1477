import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { configSchema, configSchemaText } from '../../src/config/schema.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Node {
  description?: string;
  properties?: Record<string, Node>;
  definitions?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  items?: Node;
  $ref?: string;
}

/** Every field (property) anywhere in the schema, with its path. */
function fields(node: Node, at: string, out: [string, Node][] = []): [string, Node][] {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    out.push([`${at}.${name}`, child]);
    fields(child, `${at}.${name}`, out);
  }
  for (const [name, child] of Object.entries(node.definitions ?? {})) fields(child, `#${name}`, out);
  if (typeof node.additionalProperties === 'object') fields(node.additionalProperties, `${at}.*`, out);
  if (node.items) fields(node.items, `${at}[]`, out);
  return out;
}

describe('config JSON Schema', () => {
  it('describes every field, for editors', () => {
    const all = fields(configSchema as unknown as Node, '');
    expect(all.length).toBeGreaterThan(50);
    const undescribed = all.filter(([, node]) => !node.description).map(([where]) => where);
    expect(undescribed).toEqual([]);
  });

  it('is a valid draft-07 schema that a stock ajv compiles (editors and other tools see the same file)', () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(JSON.parse(configSchemaText()) as object);
    expect(validate({ repositories: {}, clusters: {}, apps: [] })).toBe(true);
    expect(validate({ repositories: {}, clusters: {} })).toBe(false);
  });

  it('the published file is what the code holds', () => {
    expect(readFileSync(path.join(repoRoot, 'schema/driftless.schema.json'), 'utf8')).toBe(configSchemaText());
  });
});
