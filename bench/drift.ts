/**
 * Drift benchmark: 50 apps × 100 objects (ConfigMap, Secret, Service, ServiceAccount) synced into the
 * sandbox (5 ms latency per request, its own process), then `checkDrift` over all apps with nothing
 * drifted and with 1% of the objects changed out of band, against `kubectl diff --server-side` of the
 * same 5000 objects in the same run. Wall time, requests per app (from /_sandbox/requests) and the
 * peak RSS of the process that checks (a child process per phase, so the setup syncs do not count).
 *
 *   node --import tsx bench/drift.ts [--apps 50] [--objects 100] [--latency 5] [--no-kubectl] [--no-record]
 *   (BENCH_CPU_PROF=DIR: CPU profiles of the checking process)
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { createKubernetesCluster } from '../src/adapters/kubernetes/client.ts';
import { createLocalGitSource } from '../src/adapters/git-local/local-git-source.ts';
import { createKubectlKustomize } from '../src/adapters/kustomize/kubectl-kustomize.ts';
import { retryingCluster } from '../src/apply/retrying.ts';
import type { AppConfig } from '../src/config/types.ts';
import { Keyring } from '../src/core/keyring.ts';
import { mapLimit } from '../src/core/limit.ts';
import type { KubeObject } from '../src/core/types.ts';
import { checkDrift } from '../src/drift/check.ts';
import { createRenderer } from '../src/render/renderer.ts';
import { syncApp, type SyncDeps } from '../src/sync/sync.ts';
import { requestCounts as counts, resetRequestCounts as reset, sandboxCall, startExternalSandbox, type Counts } from './external-sandbox.ts';
import { findTool } from '../src/tools/binaries.ts';

const run = promisify(execFile);
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const appCount = arg('apps', 50);
const perApp = arg('objects', 100);
const latency = arg('latency', 5);
const record = !process.argv.includes('--no-record');
const withKubectl = !process.argv.includes('--no-kubectl');
const childSpec = process.argv.includes('--child') ? process.argv[process.argv.indexOf('--child') + 1] : undefined;
const SIGNING_KEY = 'bench-drift-signing-key-0123456789abcdef';

interface Spec { kubeconfig: string; repo: string; apps: AppConfig[] }
interface ChildResult { ms: number; maxRssMiB: number; statuses: Record<string, number>; drifted: number }

function appConfig(i: number): AppConfig {
  const name = `app-${String(i).padStart(2, '0')}`;
  return {
    name, repository: 'bench', branch: 'main', path: name, cluster: 'sandbox', namespace: name, createNamespace: true, prune: true, selfHeal: false, force: true, allowEmpty: false, allowRemote: false,
    pruneProtected: { namespaces: false, crds: false, persistentVolumes: false, persistentVolumeClaims: false },
    allow: { namespaces: [name], kinds: ['*'], clusterScoped: true }, ignore: [], healthTimeoutSeconds: 60, concurrency: 8, deployments: false, origin: { file: 'bench' },
  };
}

/** `perApp` objects: ConfigMaps, Secrets, Services, ServiceAccounts (60/15/15/10 %). */
function objects(namespace: string): KubeObject[] {
  const out: KubeObject[] = [];
  const share = (p: number): number => Math.floor((perApp * p) / 100);
  for (let i = 0; i < share(15); i++) out.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}`, namespace }, type: 'Opaque', data: { token: Buffer.from(`t-${i}`).toString('base64') } });
  for (let i = 0; i < share(15); i++) out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace }, spec: { selector: { app: `app-${i}` }, ports: [{ port: 80, targetPort: 8080 }] } });
  for (let i = 0; i < share(10); i++) out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `sa-${i}`, namespace } });
  for (let i = 0; out.length < perApp; i++) out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace }, data: { index: String(i), mode: 'normal' } });
  return out;
}

const deps = (spec: Spec): SyncDeps => ({
  source: createLocalGitSource(spec.repo),
  renderer: createRenderer({ kustomize: createKubectlKustomize() }),
  cluster: retryingCluster(createKubernetesCluster(spec.kubeconfig)),
  keyring: new Keyring(SIGNING_KEY),
  pollMs: 100,
});

/** One timed drift check over every app, in a process of its own (its peak RSS is the check's). */
async function child(specFile: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as Spec;
  const shared = deps(spec);
  const start = performance.now();
  const reports = await checkDrift(shared, spec.apps);
  const ms = performance.now() - start;
  const statuses: Record<string, number> = {};
  for (const r of reports) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const unknown = reports.find((r) => r.status === 'Unknown');
  if (unknown) process.stderr.write(`${unknown.app}: ${JSON.stringify(unknown.reason)}\n`);
  const result: ChildResult = { ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, statuses, drifted: reports.reduce((n, r) => n + r.objects.length, 0) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}




/** The checking side bundled to plain JavaScript, as the built CLI runs: tsx's compiler would otherwise count in its RSS. */
async function buildChild(work: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = path.join(work, 'drift-child.mjs');
  await build({
    entryPoints: [path.join(import.meta.dirname, 'drift.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning', external: ['better-sqlite3', 'esbuild'],
    banner: { js: "import { createRequire as __benchCreateRequire } from 'node:module';\nconst require = __benchCreateRequire(import.meta.url);" },
  });
  return outfile;
}

async function checkInChild(childFile: string, specFile: string): Promise<ChildResult> {
  // BENCH_CPU_PROF=DIR writes a CPU profile of the checking process there.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const { stdout } = await run(process.execPath, [...prof, childFile, '--child', specFile], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
}

interface Phase { name: string; driftless: ChildResult; requests: Counts; kubectlMs?: number; kubectlRequests?: Counts }

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const work = mkdtempSync(path.join(tmpdir(), 'driftless-bench-drift-'));
  const sb = await startExternalSandbox(work, latency);
  const kubectl = findTool('kubectl').path;
  const kubeconfig = path.join(work, 'kubeconfig');
  writeFileSync(kubeconfig, sb.kubeconfig);
  const repo = path.join(work, 'repo');
  const apps = Array.from({ length: appCount }, (_, i) => appConfig(i));
  const spec: Spec = { kubeconfig: sb.kubeconfig, repo, apps };
  const specFile = path.join(work, 'spec.json');
  writeFileSync(specFile, JSON.stringify(spec));
  const all: KubeObject[] = [];
  mkdirSync(repo, { recursive: true });
  for (const app of apps) {
    mkdirSync(path.join(repo, app.path), { recursive: true });
    const objs = objects(app.namespace);
    all.push(...objs);
    writeFileSync(path.join(repo, app.path, 'all.yaml'), objs.map((o) => stringify(o)).join('---\n'));
  }
  const git = (...args: string[]): Promise<unknown> => run('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', ...args], { cwd: repo });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'bench');
  const phases: Phase[] = [];
  const childFile = await buildChild(work);
  try {
    const setupStart = performance.now();
    const shared = deps(spec);
    await mapLimit(apps, 4, async (app) => {
      const result = await syncApp(shared, app);
      if (result.status !== 'Synced') throw new Error(`sync ${app.name}: ${result.status} ${JSON.stringify(result.errors)}`);
    });
    process.stderr.write(`synced ${apps.length} apps × ${perApp} objects in ${((performance.now() - setupStart) / 1000).toFixed(1)} s\n`);
    const kubectlFile = path.join(work, 'all.yaml');
    // kubectl diff compares the manifests as Git has them; driftless's own labels make every object differ, as they would for any tool but the one that applied them.
    writeFileSync(kubectlFile, all.map((o) => stringify(o)).join('---\n'));
    const kcache = path.join(work, 'kcache');
    await run(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', kcache, 'api-resources'], { maxBuffer: 1 << 24 });
    const phase = async (name: string): Promise<void> => {
      await reset(sb);
      const driftless = await checkInChild(childFile, specFile);
      const requests = await counts(sb);
      const entry: Phase = { name, driftless, requests };
      if (withKubectl) {
        await reset(sb);
        const start = performance.now();
        // Exit 1 means "differences": a result, not a failure.
        await run(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', kcache, 'diff', '--server-side', '--force-conflicts', '-f', kubectlFile], { maxBuffer: 1 << 28 }).catch((err: { code?: number }) => {
          if (err.code !== 1) throw err;
        });
        entry.kubectlMs = performance.now() - start;
        entry.kubectlRequests = await counts(sb);
      }
      phases.push(entry);
      process.stderr.write(`${name}: ${JSON.stringify(entry)}\n`);
    };
    await phase('no drift');
    // 1% of the objects changed out of band: one ConfigMap value in each app (50 of 5000).
    const changes = Math.max(1, Math.round((appCount * perApp) / 100));
    for (let i = 0; i < changes; i++) {
      const app = apps[i % apps.length]!;
      await sandboxCall(sb, 'PATCH', `/api/v1/namespaces/${app.namespace}/configmaps/cm-${Math.floor(i / apps.length)}?fieldManager=someone`, { type: 'application/merge-patch+json', text: JSON.stringify({ data: { mode: 'hand-edited' } }) });
    }
    await phase(`1% drift (${changes} objects)`);
  } finally {
    await sb.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const lists = 4 + 1; // per app: Namespace + 4 kinds in its namespace
  const lines = [
    '| phase | driftless wall | requests per app (dry runs) | peak RSS | apps Synced / OutOfSync / Unknown | kubectl diff --server-side | kubectl requests | speed-up |',
    '|---|---|---|---|---|---|---|---|',
    ...phases.map((p) => {
      const perAppRequests = (p.requests.total - p.requests.discovery) / appCount;
      const s = p.driftless.statuses;
      const k = p.kubectlMs === undefined ? '–' : `${(p.kubectlMs / 1000).toFixed(2)} s`;
      const kr = p.kubectlRequests ? String(p.kubectlRequests.total - p.kubectlRequests.discovery) : '–';
      const ratio = p.kubectlMs === undefined ? '–' : `${(p.kubectlMs / p.driftless.ms).toFixed(1)}×`;
      return `| ${p.name} | ${(p.driftless.ms / 1000).toFixed(2)} s | ${perAppRequests.toFixed(2)} (${(p.requests.dryRun / appCount).toFixed(2)}) | ${p.driftless.maxRssMiB.toFixed(0)} MiB | ${s.Synced ?? 0} / ${s.OutOfSync ?? 0} / ${s.Unknown ?? 0} | ${k} | ${kr} | ${ratio} |`;
    }),
  ];
  const header = `${appCount} apps × ${perApp} objects (ConfigMap, Secret, Service, ServiceAccount; each app in its own namespace), sandbox latency ${latency} ms/request in its own process, ${new Date().toISOString().slice(0, 10)}, node ${process.version}, load average ${loadAtStart.toFixed(1)} at start and ${loadavg()[0]!.toFixed(1)} at end on ${cpus().length} cores (a shared machine: other helpers' tests and builds ran meanwhile). checkDrift over all apps (4 at a time), timed inside a child process (bundled JavaScript, as the built CLI) whose peak RSS is shown. The plan's lists per app: ${lists} (Namespace + 4 kinds); requests exclude discovery; writes: ${phases.map((p) => p.requests.writes).join(', ')}.`;
  const text = `${header}\n\n${lines.join('\n')}\n`;
  process.stdout.write(text);
  if (record) {
    const file = path.join(import.meta.dirname, 'RESULTS.md');
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
    appendFileSync(file, `${existing.includes('\n## Drift\n') ? '' : '\n## Drift\n'}\n${text}`);
  }
}

if (childSpec) await child(childSpec);
else await main();
