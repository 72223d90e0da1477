/**
 * Lambda bundles (issue 13, item 7): `node --import tsx bench/bundle.ts [--runs 10] [--no-build]`.
 * Packages every function (`npm run package`, unless --no-build), prints each zip's size and the
 * cold import time of the http handler: a new Node process per run that imports
 * .build/http/index.mjs and reports how long the import took (performance.now around it), besides
 * the process's wall time and that of a bare `node -e 0` run alternately for scale. Medians of the runs.
 * esbuild inlines every module into the one file, so the import evaluates all of the function's code;
 * the first invocation then only reads the config and builds the app. Aims: http < 500 KB zipped,
 * cold import < 150 ms.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { functionNames, packageAll } from '../bin/package.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--runs');
const runs = at >= 0 ? Number(process.argv[at + 1]) : 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function run(args: string[]): { wallMs: number; stdout: string } {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: '/tmp', stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const wallMs = performance.now() - start;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { wallMs, stdout: result.stdout };
}

if (!process.argv.includes('--no-build')) await packageAll([], { quiet: true });

const sizes = functionNames.map((name) => ({ name, bytes: statSync(path.join(root, '.serverless', `${name}.zip`)).size }));
for (const { name, bytes } of sizes) process.stdout.write(`${name.padEnd(7)} ${(bytes / 1024).toFixed(0).padStart(6)} KB zipped\n`);

const handler = pathToFileURL(path.join(root, '.build', 'http', 'index.mjs')).href;
const probe = `const t = performance.now(); const m = await import(${JSON.stringify(handler)}); if (typeof m.handler !== 'function') process.exit(2); process.stdout.write(String(performance.now() - t));`;
const load = loadavg()[0]!;
// One untimed run of each warms the file cache: "cold" is a new process, as a Lambda cold start is.
run(['-e', '0']);
run(['--input-type=module', '-e', probe]);
const bare: number[] = [];
const wall: number[] = [];
const imports: number[] = [];
for (let i = 0; i < runs; i++) {
  bare.push(run(['-e', '0']).wallMs);
  const r = run(['--input-type=module', '-e', probe]);
  wall.push(r.wallMs);
  imports.push(Number(r.stdout));
}
process.stdout.write(`http handler cold import: median ${median(imports).toFixed(0)} ms of ${runs} (process wall time ${median(wall).toFixed(0)} ms; node -e 0 ${median(bare).toFixed(0)} ms)\n`);
process.stdout.write(`Node ${process.versions.node}, load average at start ${load.toFixed(2)}\n`);
