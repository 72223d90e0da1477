/**
 * Regenerates sandbox/openapi/vendor/k8s-1.34-openapi-v3.json.gz from ../shared/k8s-openapi.
 * The sandbox needs these documents at run time on a user's clone, where ../shared is absent.
 * Run: node --import tsx sandbox/openapi/vendor.ts [path-to-k8s-openapi]
 */
import { readdirSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = resolve(process.argv[2] ?? join(here, '../../../shared/k8s-openapi'));
const root = join(source, 'v1.34');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

const documents: Record<string, unknown> = {};
for (const file of walk(root).filter((f) => f.endsWith('.json')).sort()) {
  documents[relative(root, file).replace(/\.json$/, '')] = JSON.parse(readFileSync(file, 'utf8'));
}
writeFileSync(join(here, 'vendor', 'k8s-1.34-openapi-v3.json.gz'), gzipSync(JSON.stringify(documents), { level: 9 }));
copyFileSync(join(source, 'LICENSE'), join(here, 'vendor', 'LICENSE'));
process.stdout.write(`vendored ${Object.keys(documents).length} documents from ${source}\n`);
