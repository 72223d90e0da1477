/**
 * Requests per second the sandbox serves for get, list, server-side apply and dry-run apply at
 * concurrency 16, through @kubernetes/client-node 1.3 (HTTPS, bearer token; a new TLS connection
 * per request) and through a keep-alive HTTPS agent (what driftless's adapter shares).
 * The sandbox runs in its own process, so its CPU time per request is measured too: that figure,
 * not the wall-clock rate on a busy machine, says whether the sandbox can be a bottleneck.
 * Run: node --import tsx bench/sandbox.ts [seconds] [--cli path/to/sandbox/cli.ts]
 * (`--cli` measures another copy of the sandbox, e.g. an older revision checked out elsewhere.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';

const cliAt = process.argv.indexOf('--cli');
const cli = cliAt > 0 ? resolve(process.argv[cliAt + 1]!) : undefined;
const seconds = Number(process.argv.slice(2).find((a, i, all) => /^\d+(\.\d+)?$/.test(a) && all[i - 1] !== '--cli') ?? 3);
const concurrency = 16;
const root = resolve(fileURLToPath(import.meta.url), '../..');
const kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'bench-sandbox-')), 'kubeconfig');
const child = spawn(process.execPath, ['--import', 'tsx', cli ?? join(root, 'sandbox/cli.ts'), '--port', '0', '--kubeconfig', kubeconfigPath], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((ready) => {
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('export KUBECONFIG')) ready(); });
});

/** CPU milliseconds the sandbox process has used (Linux /proc; 0 elsewhere). */
function sandboxCpuMs(): number {
  try {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

async function measure(name: string, op: (i: number) => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const started = Date.now();
  const cpuBefore = sandboxCpuMs();
  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    for (let i = worker; Date.now() < deadline; i += concurrency) {
      try {
        await op(i);
        done++;
      } catch {
        failed++;
      }
    }
  }));
  const rate = done / ((Date.now() - started) / 1000);
  // Work a row sets off in the sandbox's controllers (rollouts, statuses) counts against it too.
  await new Promise((settled) => setTimeout(settled, 1000));
  const cpuPerRequest = (sandboxCpuMs() - cpuBefore) / Math.max(done, 1);
  const capacity = cpuPerRequest > 0 ? `${(1000 / cpuPerRequest).toFixed(0)} req/s per core` : 'n/a';
  process.stdout.write(`| ${name} | ${rate.toFixed(0)} | ${cpuPerRequest.toFixed(2)} ms | ${capacity} | ${done} ok, ${failed} failed |\n`);
}

try {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const config = parse(readFileSync(kubeconfigPath, 'utf8'));
  const url: string = config.clusters[0].cluster.server;
  const token: string = config.users[0].user.token;
  const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
  const core = kc.makeApiClient(CoreV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  for (let i = 0; i < 100; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `cm-${i}`, labels: { bench: 'yes' } }, data: { i: String(i) } } });
  process.stdout.write(`sandbox ${cli ?? 'sandbox/cli.ts'} at ${url}, node ${process.version}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, concurrency ${concurrency}, ${seconds}s per row, 100 ConfigMaps listed\n\n`);
  process.stdout.write('| operation | req/s | sandbox CPU per request | sandbox capacity | requests |\n|---|---|---|---|---|\n');
  await measure('client-node get', (i) => core.readNamespacedConfigMap({ name: `cm-${i % 100}`, namespace: 'default' }));
  await measure('client-node list (100 ConfigMaps)', () => core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'bench=yes' }));
  await measure('client-node apply (SSA)', (i) => objects.patch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `applied-${i % 200}`, namespace: 'default' }, data: { n: String(i) } } as KubernetesObject, undefined, undefined, 'bench', true, PatchStrategy.ServerSideApply));
  await measure('client-node dry-run apply', (i) => objects.patch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `applied-${i % 200}`, namespace: 'default' }, data: { n: `dry-${i}` } } as KubernetesObject, undefined, 'All', 'bench', true, PatchStrategy.ServerSideApply));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca });
  const raw = (method: string, path: string, body?: string, contentType?: string): Promise<void> => new Promise((done, fail) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body) { headers['content-type'] = contentType ?? 'application/json'; headers['content-length'] = String(Buffer.byteLength(body)); }
    const req = request(new URL(path, url), { method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? done() : fail(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', fail);
    req.end(body);
  });
  const base = '/api/v1/namespaces/default/configmaps';
  await measure('keep-alive get', (i) => raw('GET', `${base}/cm-${i % 100}`));
  await measure('keep-alive list (100 ConfigMaps)', () => raw('GET', `${base}?labelSelector=bench%3Dyes`));
  await measure('keep-alive apply (SSA)', (i) => raw('PATCH', `${base}/raw-${i % 200}?fieldManager=bench&force=true`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `raw-${i % 200}` }, data: { n: String(i) } }), 'application/apply-patch+yaml'));
  await measure('keep-alive dry-run apply', (i) => raw('PATCH', `${base}/raw-${i % 200}?fieldManager=bench&force=true&dryRun=All`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `raw-${i % 200}` }, data: { n: `dry-${i}` } }), 'application/apply-patch+yaml'));
  // A Deployment write also sets the sandbox's controllers to work (ReplicaSet, pod, statuses), as on a first sync.
  const deployment = (i: number, image: string): string => JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `d-${i % 100}` }, spec: { replicas: 1, selector: { matchLabels: { app: `d-${i % 100}` } }, template: { metadata: { labels: { app: `d-${i % 100}` } }, spec: { containers: [{ name: 'app', image }] } } } });
  await measure('keep-alive apply Deployment (SSA)', (i) => raw('PATCH', `/apis/apps/v1/namespaces/default/deployments/d-${i % 100}?fieldManager=bench&force=true`, deployment(i, `nginx:1.${i}`), 'application/apply-patch+yaml'));
  agent.destroy();
} finally {
  child.kill('SIGTERM');
}
