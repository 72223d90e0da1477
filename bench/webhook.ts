/**
 * Webhook ack path under load (issue 5, part 8): `node --import tsx bench/webhook.ts [--rate 500]
 * [--seconds 20] [--no-record]`. A child process runs `serve` (startServer: hono on @hono/node-server,
 * SQLite state in a temp dir, the in-process queue) with a STUB ENGINE (each sync sleeps 20 ms), so
 * the figures are the ack path, queueing and coalescing, not Kubernetes. This process sends signed
 * push deliveries over loopback at a fixed rate (open loop, at most 2,000 in flight) and reports
 * p50/p99 ack latency, deliveries lost (acknowledged but not recorded queued/done: must be 0),
 * deliveries failed (timeouts after GitHub's 10 s, non-2xx: GitHub would show them failed and
 * Redeliver would enqueue them), syncs run, and the server's CPU time per delivery.
 * BENCH_DEBUG=1 also prints store calls over 5 ms, SQLite commits, event-loop delay (server and client) and GC
 * pauses; BENCH_PROFILE=DIR CPU-profiles the server.
 */
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhooks } from '@octokit/webhooks';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { SqliteStateStore } from '../src/adapters/state-sqlite/sqlite-state.ts';
import { startServer } from '../src/wiring/serve.ts';
import { silentLogger, type Engine } from '../src/service/engine.ts';
import { pushPayload, sha } from '../test/support/push-payloads.ts';
import { appConfig, serviceConfig } from '../test/support/service-fixtures.ts';

const secret = 'bench-webhook-secret';
const appCount = 10;
const syncMs = 20;
const maxInFlight = 2000;

type ToChild = { type: 'finish'; ids: string[] };
type FromChild = { type: 'ready'; url: string } | { type: 'stats'; syncs: number; states: Record<string, number>; coalesced: number; cpuMs: number };

async function child(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'driftless-bench-'));
  let head = 0;
  let syncs = 0;
  const engine: Engine = {
    resolve: async (_app, ref) => ({ ref, sha: sha(++head) }),
    sync: async (app, request) => {
      await new Promise((r) => setTimeout(r, syncMs));
      syncs++;
      const now = new Date().toISOString();
      return { result: { app: app.name, revision: request.revision, status: 'Synced', startedAt: now, finishedAt: now, dryRun: false, objects: [], pruned: [], displacedManagers: [], health: 'Healthy', errors: [] } };
    },
    diff: async () => { throw new Error('not used'); },
  };
  const config = serviceConfig(Array.from({ length: appCount }, (_, i) => appConfig(`app${i}`, { path: `apps/app${i}` })));
  const slow: string[] = [];
  const sqlite = new SqliteStateStore(dataDir);
  // Times every store call, so stalls on the ack path can be told apart from CPU starvation.
  const store = !process.env.BENCH_DEBUG ? sqlite : new Proxy(sqlite, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const t0 = performance.now();
        const out = (value as (...a: unknown[]) => unknown).apply(target, args);
        const ms = performance.now() - t0;
        if (ms > 5) slow.push(`${String(prop)} ${ms.toFixed(0)}ms`);
        return out;
      };
    },
  });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const gcs: number[] = [];
  const longGc: string[] = [];
  if (process.env.BENCH_DEBUG) {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcs.push(e.duration);
        if (e.duration > 5) longGc.push(`${(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? '?'}:${e.duration.toFixed(1)}`);
      }
    }).observe({ entryTypes: ['gc'] });
  }
  const server = await startServer({
    config, dataDir, engine, port: 0, log: silentLogger, pollIntervalMs: 0, store,
    secrets: { resolve: async () => secret },
  });
  const cpu0 = process.cpuUsage();
  process.send!({ type: 'ready', url: server.url } satisfies FromChild);
  process.on('message', (message: ToChild) => {
    void (async () => {
      await server.queue.idle();
      const cpu = process.cpuUsage(cpu0);
      if (process.env.BENCH_DEBUG) console.error(JSON.stringify({ slowStoreCalls: slow.length, slowStoreSample: slow.slice(0, 30), commits: sqlite.commits, eventLoopDelayMaxMs: delay.max / 1e6, p99: delay.percentile(99) / 1e6, gcCount: gcs.length, gcTotalMs: Math.round(gcs.reduce((a, b) => a + b, 0)), longGc: longGc.slice(0, 40) }));
      const states: Record<string, number> = {};
      for (const id of message.ids) {
        const state = (await server.store.getDelivery(id))?.state ?? 'missing';
        states[state] = (states[state] ?? 0) + 1;
      }
      process.send!({ type: 'stats', syncs, states, coalesced: server.queue.stats().coalesced, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies FromChild);
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One signed delivery over a keep-alive loopback connection; resolves with the status. */
function post(url: string, d: { id: string; body: string; signature: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/webhooks/github`, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(d.body), 'x-github-event': 'push', 'x-github-delivery': d.id, 'x-hub-signature-256': d.signature },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT_10S' })));
    req.on('error', reject);
    req.end(d.body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const rate = arg('rate', 500);
  const seconds = arg('seconds', 20);
  const total = Math.round(rate * seconds);

  const webhooks = new Webhooks({ secret });
  const deliveries = await Promise.all(Array.from({ length: total }, async (_, i) => {
    const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', before: sha(i), after: sha(i + 1), commits: [{ modified: [`apps/app${i % appCount}/deploy.yaml`] }] }));
    return { id: `bench-${i}`, body, signature: await webhooks.sign(body) };
  }));

  const server = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [])] });
  const messages: FromChild[] = [];
  const next = () => new Promise<FromChild>((resolve) => {
    const take = () => (messages.length > 0 ? resolve(messages.shift()!) : setTimeout(take, 5));
    take();
  });
  server.on('message', (m: FromChild) => void messages.push(m));
  const ready = await next();
  if (ready.type !== 'ready') throw new Error('server did not start');
  if (!ready.url.startsWith('http://127.0.0.1:')) throw new Error('loopback only');

  // Warm-up, not measured: first requests pay for lazy module loading, JIT and statement preparation.
  const warm = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
    const body = JSON.stringify(pushPayload({ fullName: 'acme/gitops', before: sha(900_000 + i), after: sha(900_001 + i), commits: [{ modified: [`apps/app${i % appCount}/deploy.yaml`] }] }));
    return { id: `warm-${i}`, body, signature: await webhooks.sign(body) };
  }));
  for (const d of warm) await post(ready.url, d);

  const clientDelay = monitorEventLoopDelay({ resolution: 10 });
  clientDelay.enable();
  const latencies: number[] = [];
  const slowSends: number[] = [];
  const errors: Record<string, number> = {};
  let inFlight = 0;
  let refused = 0;
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    for (; sent < due; sent++) {
      if (inFlight >= maxInFlight) {
        refused++;
        continue;
      }
      const d = deliveries[sent]!;
      inFlight++;
      const t0 = performance.now();
      pending.push(post(ready.url, d).then((status) => {
        if (status === 202 || status === 200) {
          latencies.push(performance.now() - t0);
          if (process.env.BENCH_DEBUG && performance.now() - t0 > 1000) slowSends.push(+((t0 - start) / 1000).toFixed(2));
        }
        else errors[String(status)] = (errors[String(status)] ?? 0) + 1;
      }, (err: NodeJS.ErrnoException) => void (errors[err.code ?? 'error'] = (errors[err.code ?? 'error'] ?? 0) + 1)).finally(() => void inFlight--));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  server.send({ type: 'finish', ids: deliveries.map((d) => d.id) } satisfies ToChild);
  const stats = await next();
  if (stats.type !== 'stats') throw new Error('no stats');

  latencies.sort((a, b) => a - b);
  if (process.env.BENCH_DEBUG) console.error(JSON.stringify({ clientEventLoopDelayMaxMs: clientDelay.max / 1e6, clientP99: clientDelay.percentile(99) / 1e6, slowSendOffsetsS: [...new Set(slowSends.map((x) => Math.floor(x)))], slowCount: slowSends.length }));
  const load = `${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`;
  const failed = Object.values(errors).reduce((a, b) => a + b, 0);
  const recorded = (stats.states.queued ?? 0) + (stats.states.done ?? 0);
  // Lost: acknowledged (2xx) but not recorded queued/done. A refused or failed delivery is not lost:
  // GitHub shows it failed and Redeliver (same GUID) enqueues it; those are counted as failed.
  const lost = Math.max(0, latencies.length - recorded);
  const figures = {
    rate, seconds, scheduled: total, sent: total - refused, achievedRate: Math.round((total - refused) / elapsed), acked: latencies.length, failed, errors, notSentClientBound: refused,
    p50: +percentile(latencies, 50).toFixed(2), p99: +percentile(latencies, 99).toFixed(2), max: +(latencies.at(-1) ?? NaN).toFixed(2),
    lost, load, serverCpuMsPerDelivery: +(stats.cpuMs / Math.max(1, total - refused)).toFixed(2), syncsRun: stats.syncs, coalesced: stats.coalesced, deliveryStates: stats.states,
  };
  console.log(JSON.stringify(figures, null, 2));
  if (!process.argv.includes('--no-record')) record(figures);
  process.exitCode = lost === 0 ? 0 : 1;
}

function record(f: Record<string, unknown>): void {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const row = `| ${new Date().toISOString().slice(0, 16)}Z | ${String(f.rate)} × ${String(f.seconds)} (achieved ${String(f.achievedRate)}/s) | ${String(f.sent)} of ${String(f.scheduled)} | ${String(f.p50)} | ${String(f.p99)} | ${String(f.max)} | ${String(f.lost)} | ${String(f.failed)} | ${String(f.syncsRun)} | ${String(f.coalesced)} | ${String(f.serverCpuMsPerDelivery)} | ${String(f.load)} |`;
  const at = text.indexOf('\n## Webhook\n');
  if (at < 0) {
    const header = `\n## Webhook\n\n\`node --import tsx bench/webhook.ts\`: signed push deliveries over loopback against \`serve\` (SQLite state, in-process queue, ${appCount} apps, each push touching one). The engine is a stub (${syncMs} ms per sync): these are ack-path figures, not Kubernetes syncs. Node ${process.version}, ${process.platform}/${process.arch}.\n\n| date | rate/s × s | sent | p50 ms | p99 ms | max ms | lost | failed | syncs run | coalesced | server CPU ms/delivery | load avg |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n`;
    appendFileSync(file, `${header}${row}\n`);
    return;
  }
  // Other benchmarks append their own sections: put the row after the last row of this section's table.
  const next = text.indexOf('\n## ', at + 1);
  const section = text.slice(at, next < 0 ? text.length : next);
  const lastRow = section.lastIndexOf('\n|');
  const end = section.indexOf('\n', lastRow + 1);
  const insertAt = at + (end < 0 ? section.length : end);
  writeFileSync(file, `${text.slice(0, insertAt)}\n${row}${text.slice(insertAt)}`);
}

if (process.argv.includes('--child')) await child();
else await main();
