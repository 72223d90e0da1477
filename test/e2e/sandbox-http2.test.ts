import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { findTool } from '../../src/tools/binaries.ts';
import { call } from '../sandbox/server/helpers.ts';

interface Run { code: number; stdout: string; stderr: string }
interface Counts { total: number; byVerb: Record<string, number>; byProtocol: Record<string, number>; connections: Record<string, number> }

async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 30));
  }
}

async function settled(read: () => number): Promise<number> {
  let last = read();
  for (let stable = 0, rounds = 0; stable < 3 && rounds < 100; rounds++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = read();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

describe('the sandbox speaks HTTP/2 (ALPN h2) and HTTP/1.1 on its TLS port', () => {
  let sb: Sandbox;
  let dir: string;
  let kubeconfig: string;

  const run = (tool: 'kubectl' | 'helm', args: string[], stdin?: string): Promise<Run> => new Promise((resolve) => {
    const extra = tool === 'kubectl' ? ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')] : ['--kubeconfig', kubeconfig];
    const child = execFile(findTool(tool).path, [...extra, ...args], { timeout: 30_000, env: { ...process.env, HELM_CACHE_HOME: join(dir, 'helm-cache'), HELM_CONFIG_HOME: join(dir, 'helm-config'), HELM_DATA_HOME: join(dir, 'helm-data') } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
  const counts = async (): Promise<Counts> => (await call(sb, 'GET', '/_sandbox/requests', { token: null })).json as Counts;
  const reset = (): Promise<unknown> => call(sb, 'POST', '/_sandbox/requests/reset', { token: null });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-h2-'));
    kubeconfig = join(dir, 'kubeconfig');
    sb = await startSandbox({ kubeconfigPath: kubeconfig });
  });
  afterAll(() => sb.stop());

  it('kubectl 1.34 negotiates h2 and gets, applies (JSON and protobuf bodies) and reads Endpoints with the warning over it', async () => {
    await reset();
    const applied = await run('kubectl', ['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: over-h2}\ndata: {a: "1"}\n');
    expect(applied.stdout).toContain('configmap/over-h2 created');
    expect((await run('kubectl', ['create', 'configmap', 'typed-h2', '--from-literal=b=2'])).stdout).toContain('configmap/typed-h2 created');
    expect((await run('kubectl', ['get', 'configmap', 'typed-h2', '-o', 'jsonpath={.data.b}'])).stdout).toBe('2');
    const ep = await until(async () => { const r = await run('kubectl', ['get', 'endpoints', 'kubernetes']); return r.code === 0 && r; });
    expect(ep.stderr).toContain('Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice');
    expect(ep.stdout).toMatch(new RegExp(`kubernetes\\s+127\\.0\\.0\\.1:${new URL(sb.url).port}\\s`));
    expect((await run('kubectl', ['get', 'endpointslices', 'kubernetes'])).stdout).toMatch(new RegExp(`kubernetes\\s+IPv4\\s+${new URL(sb.url).port}\\s+127\\.0\\.0\\.1\\s`));
    const c = await counts();
    expect(c.connections.h2).toBeGreaterThanOrEqual(4);
    expect(c.byProtocol.h2).toBe(c.total);
    expect(c.byProtocol['http/1.1']).toBe(0);
  });

  it('kubectl get --watch streams events over h2', async () => {
    await reset();
    const child = spawn(findTool('kubectl').path, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'configmaps', '--watch', '-o', 'name'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      await until(() => out.includes('configmap/over-h2'));
      await call(sb, 'POST', '/api/v1/namespaces/default/configmaps', { body: { metadata: { name: 'watched-h2' } } });
      await until(() => out.includes('configmap/watched-h2'));
      expect((await counts()).byVerb).toMatchObject({ watch: 1 });
      expect((await counts()).byProtocol.h2).toBeGreaterThanOrEqual(2);
    } finally {
      child.kill();
    }
  });

  it('a raw node:http2 client watches, writes on the same session, and a closed stream leaves no watcher behind', async () => {
    const session: ClientHttp2Session = connect(sb.url, { ca: sb.caPem });
    try {
      await new Promise<void>((resolve, reject) => { session.once('connect', () => resolve()); session.once('error', reject); });
      expect(session.alpnProtocol).toBe('h2');
      // Watches of earlier tests (kubectl's) close asynchronously: start from a settled count.
      const before = await settled(() => sb.cluster.store.subscriberCount);
      const watch = session.request({ ':path': '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&allowWatchBookmarks=true', authorization: `Bearer ${sb.adminToken}` });
      const headers = await new Promise<Record<string, unknown>>((resolve) => watch.once('response', resolve));
      expect(headers[':status']).toBe(200);
      expect(headers['content-type']).toBe('application/json');
      expect(headers['transfer-encoding']).toBeUndefined();
      let buffer = '';
      const events: Array<{ type: string; object: { metadata: { name: string } } }> = [];
      watch.on('data', (d: Buffer) => {
        buffer += d.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buffer.slice(0, nl)) as (typeof events)[number]);
          buffer = buffer.slice(nl + 1);
        }
      });
      await until(() => sb.cluster.store.subscriberCount === before + 1);
      const body = JSON.stringify({ metadata: { name: 'raw-h2' }, data: { x: 'y' } });
      const post = session.request({ ':method': 'POST', ':path': '/api/v1/namespaces/default/configmaps', authorization: `Bearer ${sb.adminToken}`, 'content-type': 'application/json' });
      post.end(body);
      const status = await new Promise<unknown>((resolve) => post.once('response', (h) => resolve(h[':status'])));
      expect(status).toBe(201);
      post.resume();
      const added = await until(() => events.find((e) => e.type === 'ADDED' && e.object.metadata.name === 'raw-h2'));
      expect(added.object.metadata.name).toBe('raw-h2');
      watch.close(constants.NGHTTP2_CANCEL);
      await until(() => sb.cluster.store.subscriberCount === before);
    } finally {
      session.close();
    }
  });

  it('@kubernetes/client-node (node-fetch over https) stays on HTTP/1.1', async () => {
    await reset();
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const list = await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(list.items.length).toBeGreaterThanOrEqual(4);
    const c = await counts();
    expect(c.byProtocol['http/1.1']).toBe(1);
    expect(c.byProtocol.h2).toBe(0);
    expect(c.connections['http/1.1']).toBeGreaterThanOrEqual(1);
  });

  it('helm list works against it', async () => {
    const listed = await run('helm', ['list', '-A', '-o', 'json']);
    expect(listed.stderr).toBe('');
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });
});
