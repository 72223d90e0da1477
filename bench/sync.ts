/**
 * Sync benchmark: 500 objects of mixed kinds into the sandbox (5 ms latency per request), driftless
 * against `kubectl apply --server-side -f` of the same rendered YAML,  in the same run:
 * first sync, no-op resync, 10-object change. Requests and writes come from /_sandbox/requests.
 *
 *   node --import tsx bench/sync.ts [--objects 500] [--latency 5] [--concurrency 8] [--no-record]
 *     [--sandbox-cpu-prof DIR]   (CPU profile of the sandbox process; profile driftless with node --cpu-prof)
 *
 * BENCH_TRACE=1 prints driftless's phases with their offsets on stderr.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { createKubernetesCluster } from '../src/adapters/kubernetes/client.ts';
import { createLocalGitSource } from '../src/adapters/git-local/local-git-source.ts';
import { createKubectlKustomize } from '../src/adapters/kustomize/kubectl-kustomize.ts';
import { retryingCluster } from '../src/apply/retrying.ts';
import type { AppConfig } from '../src/config/types.ts';
import type { KubeObject } from '../src/core/types.ts';
import { createRenderer } from '../src/render/renderer.ts';
import { syncApp } from '../src/sync/sync.ts';
import type { ProgressEvent } from '../src/core/progress.ts';
import { requestCounts as counts, resetRequestCounts as reset, startExternalSandbox, type Counts } from './external-sandbox.ts';
import { findTool } from '../src/tools/binaries.ts';
import { Keyring } from '../src/core/keyring.ts';
import { randomBytes } from 'node:crypto';

const run = promisify(execFile);
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const total = arg('objects', 500);
const latency = arg('latency', 5);
const record = !process.argv.includes('--no-record');
const concurrency = arg('concurrency', 8);
const sandboxProfDir = process.argv.includes('--sandbox-cpu-prof') ? process.argv[process.argv.indexOf('--sandbox-cpu-prof') + 1] : undefined;






/** 500 objects: ConfigMaps, Secrets, Services, ServiceAccounts, Deployments (40/20/20/10/10 %). */
function objects(namespace: string, version: number, changed: number): KubeObject[] {
  const out: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }];
  const share = (p: number): number => Math.floor(((total - 1) * p) / 100);
  for (let i = 0; i < share(40); i++) out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace }, data: { index: String(i), version: String(i < changed ? version : 1) } });
  for (let i = 0; i < share(20); i++) out.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}`, namespace }, type: 'Opaque', data: { token: Buffer.from(`t-${i}`).toString('base64') } });
  for (let i = 0; i < share(20); i++) out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace }, spec: { selector: { app: `app-${i}` }, ports: [{ port: 80, targetPort: 8080 }] } });
  for (let i = 0; i < share(10); i++) out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `sa-${i}`, namespace } });
  while (out.length < total) {
    const i = out.length;
    out.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `deploy-${i}`, namespace }, spec: { replicas: 1, selector: { matchLabels: { app: `d-${i}` } }, template: { metadata: { labels: { app: `d-${i}` } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } } });
  }
  return out;
}

const yamlOf = (objs: KubeObject[]): string => objs.map((o) => stringify(o)).join('---\n');

function git(dir: string, ...args: string[]): Promise<{ stdout: string }> {
  return run('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', ...args], { cwd: dir });
}

/** Where driftless's time went: render (resolve, render, stamp), plan (lists, dry runs / schema preflight), apply (+ prune, inventory), health wait. */
interface Breakdown { renderMs: number; planMs: number; applyMs: number; healthMs: number }
interface Phase { name: string; driftlessMs: number; beforeHealthMs: number; kubectlMs: number; driftless: Counts; kubectl: Counts; breakdown: Breakdown }

function breakdownOf(marks: Map<string, number>, totalMs: number): Breakdown {
  const at = (phase: string, fallback: number): number => marks.get(phase) ?? fallback;
  const health = at('health', totalMs);
  const apply = at('apply', health);
  const plan = at('plan', apply);
  return { renderMs: plan, planMs: apply - plan, applyMs: health - apply, healthMs: totalMs - health };
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const work = mkdtempSync(path.join(tmpdir(), 'driftless-bench-sync-'));
  const sb = await startExternalSandbox(work, latency, sandboxProfDir ? ['--cpu-prof', '--cpu-prof-dir', sandboxProfDir] : []);
  const kubectl = findTool('kubectl').path;
  const kubeconfig = path.join(work, 'kubeconfig');
  writeFileSync(kubeconfig, sb.kubeconfig);
  const repo = path.join(work, 'repo');
  await run('mkdir', ['-p', path.join(repo, 'app')]);
  await git(repo, 'init', '-q', '-b', 'main');
  const app: AppConfig = {
    name: 'bench', repository: 'bench', branch: 'main', path: 'app', cluster: 'sandbox', namespace: 'bench-driftless', createNamespace: true, prune: true, selfHeal: false, force: true, allowEmpty: false, allowRemote: false,
    pruneProtected: { namespaces: false, crds: false, persistentVolumes: false, persistentVolumeClaims: false },
    allow: { namespaces: ['bench-driftless'], kinds: ['*'], clusterScoped: true }, ignore: [], healthTimeoutSeconds: 120, concurrency, deployments: false, origin: { file: 'bench' },
  };
  const deps = { source: createLocalGitSource(repo), renderer: createRenderer({ kustomize: createKubectlKustomize() }), cluster: retryingCluster(createKubernetesCluster(sb.kubeconfig)), keyring: new Keyring(randomBytes(32).toString('base64')), pollMs: 100 };
  const phases: Phase[] = [];
  try {
    // kubectl's discovery and OpenAPI caches warm up outside the timed runs, as driftless's would on a second CLI run.
    await run(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', path.join(work, 'kcache'), 'api-resources'], { maxBuffer: 1 << 24 });
    const phase = async (name: string, version: number, changed: number): Promise<void> => {
      writeFileSync(path.join(repo, 'app', 'all.yaml'), yamlOf(objects('bench-driftless', version, changed).filter((o) => o.kind !== 'Namespace')));
      await git(repo, 'add', '-A');
      await git(repo, 'commit', '-q', '--allow-empty', '-m', name);
      await reset(sb);
      let start = performance.now();
      // The health wait is the cluster rolling Deployments out, which kubectl apply does not wait for: timed apart.
      let healthAt = 0;
      const marks = new Map<string, number>();
      const result = await syncApp(deps, app, {
        onProgress: (e: ProgressEvent) => {
          if (e.type !== 'phase') return;
          if (!marks.has(e.phase)) marks.set(e.phase, performance.now() - start);
          if (e.phase === 'health') healthAt = performance.now() - start;
          // BENCH_TRACE=1 prints driftless's phases with their offsets on stderr.
          if (process.env.BENCH_TRACE) process.stderr.write(`${((performance.now() - start) / 1000).toFixed(2)}s ${e.phase} ${e.message}\n`);
        },
      });
      const driftlessMs = performance.now() - start;
      if (result.status !== 'Synced') throw new Error(`driftless ${name}: ${result.status} ${JSON.stringify(result.errors)}`);
      const driftless = await counts(sb);
      const file = path.join(work, 'kubectl.yaml');
      writeFileSync(file, yamlOf(objects('bench-kubectl', version, changed)));
      await reset(sb);
      start = performance.now();
      await run(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', path.join(work, 'kcache'), 'apply', '--server-side', '--field-manager', 'bench', '-f', file], { maxBuffer: 1 << 26 });
      const kubectlMs = performance.now() - start;
      phases.push({ name, driftlessMs, beforeHealthMs: healthAt || driftlessMs, kubectlMs, driftless, kubectl: await counts(sb), breakdown: breakdownOf(marks, driftlessMs) });
    };
    await phase('first sync', 1, 0);
    await phase('no-op resync', 1, 0);
    await phase('10-object change', 2, 10);
  } finally {
    await sb.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const lines = [
    `| phase | driftless | driftless before health wait | kubectl --server-side | speed-up (before health wait) | driftless requests (writes, dry runs) | kubectl requests (writes) |`,
    `|---|---|---|---|---|---|---|`,
    ...phases.map((p) => `| ${p.name} | ${(p.driftlessMs / 1000).toFixed(2)} s | ${(p.beforeHealthMs / 1000).toFixed(2)} s | ${(p.kubectlMs / 1000).toFixed(2)} s | ${(p.kubectlMs / p.driftlessMs).toFixed(1)}× (${(p.kubectlMs / p.beforeHealthMs).toFixed(1)}×) | ${p.driftless.total - p.driftless.discovery} (${p.driftless.writes}, ${p.driftless.dryRun}) | ${p.kubectl.total - p.kubectl.discovery} (${p.kubectl.writes}) |`),
    '',
    `Driftless breakdown (concurrency ${concurrency}): render = resolve + render + stamp; plan = lists + dry runs or schema preflight; apply = apply + prune + inventory; health = health wait.`,
    '',
    '| phase | render | plan | apply | health |',
    '|---|---|---|---|---|',
    ...phases.map((p) => `| ${p.name} | ${(p.breakdown.renderMs / 1000).toFixed(2)} s | ${(p.breakdown.planMs / 1000).toFixed(2)} s | ${(p.breakdown.applyMs / 1000).toFixed(2)} s | ${(p.breakdown.healthMs / 1000).toFixed(2)} s |`),
  ];
  const header = `${total} objects (ConfigMap, Secret, Service, ServiceAccount, Deployment + Namespace), sandbox latency ${latency} ms/request, ${new Date().toISOString().slice(0, 10)}, node ${process.version}, load average ${loadAtStart.toFixed(1)} at start and ${loadavg()[0]!.toFixed(1)} at end on ${cpus().length} cores (a shared machine: other work ran meanwhile), sandbox in its own process, driftless concurrency ${concurrency}. Requests exclude discovery; driftless times include render, plan, prune, inventory and the health wait (kubectl does not wait); driftless writes the inventory only when the object set or the synced revision changes (first sync: 500 objects + 1 inventory; a no-op resync of the same revision writes nothing).`;
  const text = `${header}\n\n${lines.join('\n')}\n`;
  process.stdout.write(text);
  if (record) {
    const file = path.join(import.meta.dirname, 'RESULTS.md');
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
    appendFileSync(file, `${existing.includes('\n## Sync\n') ? '' : '\n## Sync\n'}\n${text}`);
  }
}

await main();
