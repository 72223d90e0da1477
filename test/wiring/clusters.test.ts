import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { buildServer } from '../../src/config/build.ts';
import type { DriftlessConfig } from '../../src/config/types.ts';
import type { SecretRef } from '../../src/ports/secrets.ts';
import { createLocalSecretResolver } from '../../src/adapters/secrets/local.ts';
import { kubeconfigFromCredentials } from '../../src/wiring/clusters.ts';
import { createRuntime } from '../../src/wiring/runtime.ts';
import { appConfig } from '../sync/fixtures.ts';

const namespaces = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };

let sb: Sandbox;
let dir: string;

beforeAll(async () => {
  sb = await startSandbox({});
  dir = mkdtempSync(path.join(tmpdir(), 'driftless-clusters-'));
});

afterAll(async () => {
  await sb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function config(clusters: DriftlessConfig['clusters']): DriftlessConfig {
  return {
    file: path.join(dir, 'driftless.yaml'),
    repositories: { demo: { name: 'demo', git: './repo' } },
    clusters,
    apps: Object.keys(clusters).map((c) => appConfig({ name: `app-${c}`, repository: 'demo', cluster: c })),
    // The defaults, whatever fields the server section grows.
    server: buildServer(undefined, dir),
    signing: { previousKeys: [] },
    warnings: [],
  };
}

/** The local resolver, counting reads per file. */
function counting(): { reads: Map<string, number>; resolve(ref: SecretRef): Promise<string> } {
  const local = createLocalSecretResolver({ baseDir: dir });
  const reads = new Map<string, number>();
  return {
    reads,
    resolve(ref) {
      if ('file' in ref) reads.set(path.basename(ref.file), (reads.get(path.basename(ref.file)) ?? 0) + 1);
      return local.resolve(ref);
    },
  };
}

const credentials = (token: string): string => JSON.stringify({ server: sb.url, caData: Buffer.from(sb.caPem).toString('base64'), token });

describe('cluster credentials', () => {
  it('a credentials secret rotated after the client was built is re-read on the 401 and the request tried once more', async () => {
    const file = path.join(dir, 'rotating.json');
    writeFileSync(file, credentials('revoked-token-abcdef'));
    const secrets = counting();
    const runtime = createRuntime(config({ rot: { name: 'rot', credentials: { file } } }), { secrets, retry: { policy: { attempts: 1, baseMs: 1, maxMs: 1 } } });
    const cluster = await runtime.cluster('rot');
    // Rotated in the store; the process still holds the old value.
    writeFileSync(file, credentials(sb.adminToken));
    const list = await cluster.list(namespaces);
    expect(list.map((n) => n.metadata.name)).toContain('default');
    expect(secrets.reads.get('rotating.json')).toBe(2);
  });

  it('a value refused again within 30 s is not re-read: the 401 stands (no read per request)', async () => {
    const file = path.join(dir, 'wrong.json');
    writeFileSync(file, credentials('wrong-token-abcdef'));
    const secrets = counting();
    const runtime = createRuntime(config({ wrong: { name: 'wrong', credentials: { file } } }), { secrets, retry: { policy: { attempts: 1, baseMs: 1, maxMs: 1 } } });
    const cluster = await runtime.cluster('wrong');
    for (let i = 0; i < 5; i++) await expect(cluster.list(namespaces)).rejects.toMatchObject({ code: 'CLUSTER_UNAUTHORIZED' });
    // One read to build, one forced read after the first 401; the next four 401s cost nothing.
    expect(secrets.reads.get('wrong.json')).toBe(2);
  });

  it('one missing secret fails only the apps on its cluster', async () => {
    const file = path.join(dir, 'good.json');
    writeFileSync(file, credentials(sb.adminToken));
    const runtime = createRuntime(config({ good: { name: 'good', credentials: { file } }, missing: { name: 'missing', credentials: { env: 'DRIFTLESS_TEST_UNSET_CREDENTIALS' } } }));
    await expect(runtime.cluster('missing', 'app-missing')).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE' });
    expect((await (await runtime.cluster('good', 'app-good')).list(namespaces)).length).toBeGreaterThan(0);
  });

  it('credentials that are not JSON name the reference and never quote the value', async () => {
    const file = path.join(dir, 'garbled.json');
    writeFileSync(file, 'token: very-secret-value');
    const runtime = createRuntime(config({ garbled: { name: 'garbled', credentials: { file } } }));
    const err = (await runtime.cluster('garbled').then(() => new Error('accepted'), (e: unknown) => e)) as Error;
    expect(err.message).toContain(`clusters.garbled.credentials (file ${file}) is not JSON`);
    expect(err.message).not.toContain('very-secret-value');
  });

  it('the JSON form takes a client certificate and key instead of a token; it needs one of them and a server', () => {
    const ref = { secret: 'prod/cluster' };
    const kc = kubeconfigFromCredentials(JSON.stringify({ server: 'https://10.0.0.1:6443', caData: 'Q0E=', clientCertData: 'Q0VSVA==', clientKeyData: 'S0VZ' }), ref, 'prod');
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://10.0.0.1:6443', caData: 'Q0E=', skipTLSVerify: false });
    expect(kc.getCurrentUser()).toMatchObject({ certData: 'Q0VSVA==', keyData: 'S0VZ' });
    expect(kc.getCurrentUser()?.token).toBeUndefined();
    expect(() => kubeconfigFromCredentials(JSON.stringify({ server: 'https://10.0.0.1:6443', clientCertData: 'Q0VSVA==' }), ref, 'prod')).toThrow('clusters.prod.credentials (secret prod/cluster) has neither "token" nor "clientCertData" with "clientKeyData"');
    expect(() => kubeconfigFromCredentials(JSON.stringify({ token: 'abc' }), ref, 'prod')).toThrow('has no http(s) "server"');
  });
});
