/**
 * Regenerates k8s-types.json.gz: for every API struct of k8s.io/api (GA versions) and the
 * apimachinery types they use, the protobuf field numbers with their JSON names and Go types,
 * read from the Go struct tags (`json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"`).
 * The sandbox needs them to read the protobuf bodies kubectl's typed clients send
 * (kubectl create, kubectl auth can-i / whoami).
 * Run: node --import tsx sandbox/server/protobuf/generate.ts <kubernetes/api git dir> <kubernetes/apimachinery git dir>
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const [apiRepo, machineryRepo] = process.argv.slice(2);
if (!apiRepo || !machineryRepo) throw new Error('usage: generate.ts <kubernetes/api git dir> <kubernetes/apimachinery git dir>');

const git = (repo: string, ...args: string[]): string => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const builtins = new Set(['string', 'bool', 'int', 'int32', 'int64', 'uint32', 'uint64', 'float32', 'float64', 'byte']);

type Field = [json: string, type: string, omitempty: 0 | 1];
const types: Record<string, Record<string, Field>> = {};
const aliases: Record<string, string> = {};

function qualify(expr: string, pkg: string, imports: Map<string, string>): string {
  const m = expr.match(/^(\*|\[\])(.*)$/);
  if (m) return m[1]! + qualify(m[2]!, pkg, imports);
  const map = expr.match(/^map\[([^\]]+)\](.*)$/);
  if (map) return `map[${qualify(map[1]!, pkg, imports)}]${qualify(map[2]!, pkg, imports)}`;
  if (builtins.has(expr)) return expr;
  const dot = expr.indexOf('.');
  if (dot > 0) return `${imports.get(expr.slice(0, dot)) ?? expr.slice(0, dot)}.${expr.slice(dot + 1)}`;
  return `${pkg}.${expr}`;
}

function parseFile(source: string, pkg: string): void {
  const imports = new Map<string, string>();
  for (const m of source.matchAll(/^\s*(?:(\w+)\s+)?"([^"]+)"\s*$/gm)) {
    const path = m[2]!;
    imports.set(m[1] ?? path.split('/').pop()!, path);
  }
  for (const m of source.matchAll(/^type (\w+) ((?:\[\]|map\[[\w.]+\]|\*)?[\w.]+)\s*(?:\/\/.*)?$/gm)) aliases[`${pkg}.${m[1]}`] = qualify(m[2]!, pkg, imports);
  for (const m of source.matchAll(/^type (\w+) struct \{\n([\s\S]*?)\n\}/gm)) {
    const fields: Record<string, Field> = {};
    for (const line of m[2]!.split('\n')) {
      const f = line.match(/^\s*(?:(\w+)\s+)?([*\w.[\]]+)\s+`([^`]*)`/);
      if (!f) continue;
      const proto = f[3]!.match(/protobuf:"(\w+),(\d+),/);
      if (!proto) continue;
      const json = f[3]!.match(/json:"([^"]*)"/)?.[1] ?? '';
      const [name, ...opts] = json.split(',');
      fields[proto[2]!] = [name === undefined || opts.includes('inline') ? '' : name, qualify(f[2]!, pkg, imports), opts.includes('omitempty') ? 1 : 0];
    }
    if (Object.keys(fields).length > 0) types[`${pkg}.${m[1]}`] = fields;
  }
}

function walk(repo: string, prefix: string, dirFilter: (dir: string) => boolean): void {
  for (const path of git(repo, 'ls-tree', '-r', '--name-only', 'HEAD').split('\n')) {
    if (!path.endsWith('.go') || path.endsWith('_test.go') || path.includes('generated') || path.includes('zz_')) continue;
    const dir = dirname(path);
    if (!dirFilter(dir)) continue;
    parseFile(git(repo, 'show', `HEAD:${path}`), `${prefix}${dir}`);
  }
}

walk(apiRepo, 'k8s.io/api/', (dir) => /^[a-z]+\/v\d+$/.test(dir));
walk(machineryRepo, 'k8s.io/apimachinery/', (dir) => ['pkg/apis/meta/v1', 'pkg/api/resource', 'pkg/util/intstr', 'pkg/runtime', 'pkg/types'].includes(dir));
const out = join(dirname(fileURLToPath(import.meta.url)), 'k8s-types.json.gz');
writeFileSync(out, gzipSync(JSON.stringify({ source: { api: git(apiRepo, 'rev-parse', 'HEAD').trim(), apimachinery: git(machineryRepo, 'rev-parse', 'HEAD').trim() }, types, aliases }), { level: 9 }));
process.stdout.write(`${Object.keys(types).length} structs, ${Object.keys(aliases).length} named types → ${out}\n`);
