/**
 * CLI start-up (issue 8, item 8): `node --import tsx bench/cli-startup.ts [--runs 10] [--bin PATH]
 * [-- ARGS…]`. Runs a bare `node -e 0` and `bin/driftless --help` (or ARGS) alternately, back to
 * back, so that both see the same load on a shared machine, and prints the median wall time of each
 * and their ratio (aim: at most 3×). DRIFTLESS_FROM_SOURCE=1 in the environment measures the tsx path.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

const runs = Number(option('--runs', '10'));
const bin = path.resolve(option('--bin', path.join(root, 'bin', 'driftless')));
const dashes = process.argv.indexOf('--');
const args = dashes >= 0 ? process.argv.slice(dashes + 1) : ['--help'];

function time(command: string, argv: string[]): number {
  const start = performance.now();
  const result = spawnSync(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = performance.now() - start;
  if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const node: number[] = [];
const cli: number[] = [];
const load = loadavg()[0]!;
// One untimed run of each warms the file cache.
time(process.execPath, ['-e', '0']);
time(bin, args);
for (let i = 0; i < runs; i++) {
  node.push(time(process.execPath, ['-e', '0']));
  cli.push(time(bin, args));
}
const nodeMedian = median(node);
const cliMedian = median(cli);
const ratio = cliMedian / nodeMedian;
process.stdout.write(`node -e 0:              median ${nodeMedian.toFixed(0)} ms of ${runs}\n`);
process.stdout.write(`driftless ${args.join(' ')}: median ${cliMedian.toFixed(0)} ms of ${runs}${process.env.DRIFTLESS_FROM_SOURCE ? ' (DRIFTLESS_FROM_SOURCE)' : ''}\n`);
process.stdout.write(`ratio ${ratio.toFixed(1)}× (aim ≤ 3×), load average at start ${load.toFixed(2)}\n`);
