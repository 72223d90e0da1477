import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { parse } from 'yaml';

/** The sandbox in its own process, as a real API server would be: it must not share driftless's event loop. */
export interface Sandbox { url: string; caPem: string; adminToken: string; kubeconfig: string; stop(): Promise<void> }

/** The sandbox's request counters (`GET /_sandbox/requests`). */
export interface Counts { total: number; writes: number; dryRun: number; discovery: number; byVerb: Record<string, number> }

/** Starts `sandbox/cli.ts` with `--latency`; `nodeArgs` go to its node (e.g. --cpu-prof). */
export async function startExternalSandbox(dir: string, latencyMs: number, nodeArgs: string[] = []): Promise<Sandbox> {
  const kubeconfigPath = path.join(dir, 'sandbox.kubeconfig');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(import.meta.dirname, '../sandbox/cli.ts'), '--kubeconfig', kubeconfigPath, '--latency', String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ready, fail) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('kubeconfig written')) ready();
    });
    child.on('exit', (code) => fail(new Error(`sandbox exited with ${code}`)));
  });
  const kubeconfig = readFileSync(kubeconfigPath, 'utf8');
  const doc = parse(kubeconfig) as { clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>; users: Array<{ user: { token?: string } }> };
  return {
    url: doc.clusters[0]!.cluster.server,
    caPem: Buffer.from(doc.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString('utf8'),
    adminToken: doc.users.find((u) => u.user.token)!.user.token!,
    kubeconfig,
    stop: () => new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
    }),
  };
}

/** One admin request to the sandbox; a non-2xx answer is an error. */
export function sandboxCall(sb: Sandbox, method: string, urlPath: string, body?: { type: string; text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(urlPath, sb.url), { method, ca: sb.caPem, headers: { authorization: `Bearer ${sb.adminToken}`, ...(body ? { 'content-type': body.type } : {}) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve(text) : reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body?.text);
  });
}

export const requestCounts = async (sb: Sandbox): Promise<Counts> => JSON.parse(await sandboxCall(sb, 'GET', '/_sandbox/requests')) as Counts;
export const resetRequestCounts = async (sb: Sandbox): Promise<void> => void (await sandboxCall(sb, 'POST', '/_sandbox/requests/reset'));
