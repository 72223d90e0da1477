import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { checkAppDrift, checkDrift } from '../../src/drift/check.ts';
import { syncApp, type SyncDeps } from '../../src/sync/sync.ts';
import { findTool } from '../../src/tools/binaries.ts';
import { appConfig, configMap, deployment } from '../sync/fixtures.ts';
import { GitRepo, requests, resetRequests, sandboxDeps } from './sync-support.ts';

let sb: Sandbox;
let repo: GitRepo;
let dir: string;
const kubectlPath = findTool('kubectl').path;

beforeAll(async () => {
  sb = await startSandbox({});
  repo = new GitRepo();
  dir = mkdtempSync(join(tmpdir(), 'driftless-drift-'));
  writeFileSync(join(dir, 'kubeconfig'), sb.kubeconfig);
});

afterAll(async () => {
  await sb?.stop();
  repo?.remove();
});

function deps(): SyncDeps {
  return sandboxDeps(sb, repo, { attempts: 2 });
}

/** Real kubectl against the sandbox, as someone changing the cluster out of band would. */
function kubectl(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(kubectlPath, ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

const web = deployment('web', { replicas: 2 });
// Written as 0.5 cpu: the server stores 500m.
(web.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers[0]!.resources = { requests: { cpu: 0.5, memory: '64Mi' } };
const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 'hunter2-original' } };
const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: { ttlSecondsAfterFinished: 60, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'busybox:1.36' }] } } } };

// The sandbox runs no Job to completion: its health is not what these tests are about.
const app = appConfig({ name: 'shop', namespace: 'shop', path: 'app', healthTimeoutSeconds: 5, health: [{ group: 'batch', kind: 'Job', ignore: true }], allow: { namespaces: ['shop'], kinds: ['*'], clusterScoped: true } });
// Kinds × namespaces the plan lists: Namespace, Deployment, ConfigMap, Service, Secret, Job.
const LISTS = 6;

describe('drift check against the sandbox', () => {
  let synced = '';

  it('an app never synced is Unknown (NOT_SYNCED), not drifted', async () => {
    repo.commit({ 'app/all.yaml': [web, configMap('a'), configMap('b'), service, secret, job] });
    const report = await checkAppDrift(deps(), app);
    expect(report.status).toBe('Unknown');
    expect(report.reason?.code).toBe('NOT_SYNCED');
  });

  it('right after a sync nothing drifted, server defaults and 0.5 vs 500m included; within lists + 2 requests and no writes', async () => {
    synced = repo.commit({ 'app/all.yaml': [web, configMap('a'), configMap('b'), service, secret, job] });
    const result = await syncApp(deps(), app);
    expect(result.objects.every((o) => o.outcome === 'applied')).toBe(true);
    const live = await kubectl(['get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.template.spec.containers[0].resources.requests.cpu}']);
    expect(live).toBe('500m');
    await resetRequests(sb);
    const report = await checkAppDrift(deps(), app);
    expect(report).toMatchObject({ app: 'shop', status: 'Synced', revision: { sha: synced }, objects: [] });
    expect(report.pending).toBeUndefined();
    const counts = await requests(sb);
    expect(counts.writes).toBe(0);
    // The Deployment's 0.5 is a suspect the dry run clears; nothing else costs a request.
    expect(counts.dryRun).toBe(1);
    expect(counts.total - counts.discovery).toBeLessThanOrEqual(LISTS + 2 + counts.dryRun);
  });

  it('kubectl scale, edit, patch and delete show up naming the object, the field and who changed it; the Job removed by its TTL does not', async () => {
    await kubectl(['scale', 'deployment', 'web', '-n', 'shop', '--replicas', '5']);
    // kubectl edit with an editor that changes the image: ownership of the field moves to kubectl-edit.
    await kubectl(['edit', 'deployment', 'web', '-n', 'shop'], { KUBE_EDITOR: 'sed -i -e s/nginx:1.27/nginx:1.28/', EDITOR: '' });
    await kubectl(['patch', 'configmap', 'a', '-n', 'shop', '--type', 'merge', '-p', '{"data":{"key":"changed","extra":"not ours"}}']);
    await kubectl(['patch', 'secret', 'creds', '-n', 'shop', '--type', 'merge', '-p', JSON.stringify({ data: { password: Buffer.from('hunter2-changed').toString('base64') } })]);
    await kubectl(['delete', 'configmap', 'b', '-n', 'shop']);
    await kubectl(['delete', 'job', 'migrate', '-n', 'shop']);
    // A label someone else adds is not in the managed set: never drift.
    await kubectl(['label', 'service', 'web', '-n', 'shop', 'team=payments']);
    await resetRequests(sb);
    const report = await checkAppDrift(deps(), app);
    expect(report.status).toBe('OutOfSync');
    const byName = new Map(report.objects.map((o) => [`${o.ref.kind}/${o.ref.name}`, o]));
    // Sorted by group, kind, namespace, name.
    expect([...byName.keys()]).toEqual(['ConfigMap/a', 'ConfigMap/b', 'Secret/creds', 'Deployment/web']);
    const deploymentDrift = byName.get('Deployment/web')!;
    expect(deploymentDrift.state).toBe('modified');
    expect(deploymentDrift.fields.map((f) => ({ path: f.path, desired: f.desired, live: f.live }))).toEqual([
      { path: '/spec/replicas', desired: 2, live: 5 },
      { path: '/spec/template/spec/containers/0/image', desired: 'nginx:1.27', live: 'nginx:1.28' },
    ]);
    const [replicas, image] = deploymentDrift.fields;
    expect(replicas!.manager).toMatch(/^kubectl/);
    expect(image!.manager).toBe('kubectl-edit');
    expect(byName.get('ConfigMap/a')!.fields).toEqual([{ path: '/data/key', desired: 'value', live: 'changed', manager: expect.stringMatching(/^kubectl/) }]);
    expect(byName.get('ConfigMap/b')).toMatchObject({ state: 'missing', fields: [] });
    const secretField = byName.get('Secret/creds')!.fields[0]!;
    expect(secretField.path).toBe('/data/password');
    expect(secretField.desired).toMatch(/^<hidden hmac:[\w-]{12}>$/);
    expect(secretField.live).toMatch(/^<hidden hmac:[\w-]{12}>$/);
    expect(secretField.live).not.toBe(secretField.desired);
    expect(JSON.stringify(report)).not.toMatch(/hunter2|aHVudGVyM/);
    const counts = await requests(sb);
    expect(counts.writes).toBe(0);
    // One dry run per suspect (web, a, creds); the Service with someone else's label is no suspect.
    expect(counts.dryRun).toBe(3);
    expect(counts.total - counts.discovery).toBeLessThanOrEqual(LISTS + 2 + 3);
  });

  it('says when Git moved past the last synced revision (pending), still measuring against what was synced', async () => {
    const next = repo.commit({ 'app/all.yaml': [web, configMap('a', { key: 'newer' }), configMap('b'), service, secret, job] });
    const report = await checkAppDrift(deps(), app);
    expect(report.revision?.sha).toBe(synced);
    expect(report.pending).toBe(next);
    // Still compared with what was synced: the ConfigMap's desired value is the synced one.
    expect(report.objects.find((o) => o.ref.name === 'a')?.fields[0]?.desired).toBe('value');
  });

  it('a sync restores it; an object removed from Git but kept (prune off) is extra', async () => {
    const keep = { ...app, prune: false };
    const next = repo.commit({ 'app/all.yaml': [web, configMap('a'), configMap('b'), configMap('old'), service, secret] });
    expect((await syncApp(deps(), keep)).errors).toEqual([]);
    expect(await checkAppDrift(deps(), keep)).toMatchObject({ status: 'Synced', revision: { sha: next }, objects: [] });
    const last = repo.commit({ 'app/all.yaml': [web, configMap('a'), configMap('b'), service, secret] });
    expect((await syncApp(deps(), keep)).errors).toEqual([]);
    const report = await checkAppDrift(deps(), keep);
    expect(report.revision?.sha).toBe(last);
    expect(report.objects.map((o) => [o.ref.name, o.state])).toEqual([['old', 'extra']]);
    // Gone by hand: no longer extra.
    await kubectl(['delete', 'configmap', 'old', '-n', 'shop']);
    expect((await checkAppDrift(deps(), keep)).status).toBe('Synced');
  });

  it('an object whose applied hash is not what the synced revision renders makes the app Unknown (INVENTORY_UNTRUSTED), not drifted', async () => {
    await kubectl(['annotate', 'configmap', 'a', '-n', 'shop', '--overwrite', 'driftless.dev/applied-hash=forged']);
    const report = await checkAppDrift(deps(), app);
    expect(report.status).toBe('Unknown');
    expect(report.reason?.code).toBe('INVENTORY_UNTRUSTED');
    expect(report.reason?.message).toContain('ConfigMap shop/a');
    expect(report.objects).toEqual([]);
  });

  it('checkDrift reads a repository shared by several apps once per run: one head lookup, one tree', async () => {
    const base = deps();
    const calls = { resolve: 0, tree: 0 };
    const counted: SyncDeps = { ...base, source: { resolve: (ref) => (calls.resolve++, base.source.resolve(ref)), tree: (revision) => (calls.tree++, base.source.tree(revision)) } };
    const reports = await checkDrift(counted, [app, { ...app, name: 'shop-copy' }, app]);
    expect(reports.map((r) => r.app)).toEqual(['shop', 'shop-copy', 'shop']);
    expect(reports[0]!.status).toBe(reports[2]!.status);
    expect(calls).toEqual({ resolve: 1, tree: 1 });
  });

  it('checkDrift reports every app even when one cannot be checked', async () => {
    const ghost = appConfig({ name: 'ghost', namespace: 'ghost', path: 'nothing' });
    const failing = async (a: { name: string }): Promise<SyncDeps> => {
      if (a.name === 'broken') throw new Error('no such cluster');
      return deps();
    };
    const seen: string[] = [];
    const reports = await checkDrift(failing, [app, ghost, appConfig({ name: 'broken' })], { onReport: (r) => seen.push(r.app) });
    expect(reports.map((r) => [r.app, r.status])).toEqual([['shop', 'Unknown'], ['ghost', 'Unknown'], ['broken', 'Unknown']]);
    expect(reports[1]!.reason?.code).toBe('NOT_SYNCED');
    expect(reports[2]!.reason?.message).toContain('no such cluster');
    expect(seen.sort()).toEqual(['broken', 'ghost', 'shop']);
  });

  it('a Secret value that is also a JSON token ("3", "true") masks strings only: numbers and booleans still report, and the report stays valid', async () => {
    const flags = appConfig({ name: 'flags', namespace: 'flags', path: 'flags', healthTimeoutSeconds: 5, allow: { namespaces: ['flags'], kinds: ['*'], clusterScoped: true } });
    const settings: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'settings' }, stringData: { workers: '3', tls: 'true', token: 'tok-flags-secret' } };
    repo.commit({ 'flags/all.yaml': [deployment('api', { replicas: 2 }), configMap('cfg', { note: 'plain' }), settings] });
    const result = await syncApp(deps(), flags);
    expect(result.objects.every((o) => o.outcome === 'applied')).toBe(true);
    await kubectl(['scale', 'deployment', 'api', '-n', 'flags', '--replicas', '3']);
    await kubectl(['patch', 'configmap', 'cfg', '-n', 'flags', '--type', 'merge', '-p', '{"data":{"note":"tok-flags-secret"}}']);
    const report = await checkAppDrift(deps(), flags);
    expect(report.reason).toBeUndefined();
    expect(report.status).toBe('OutOfSync');
    const fields = new Map(report.objects.map((o) => [o.ref.name, o.fields.map((f) => ({ path: f.path, desired: f.desired, live: f.live }))]));
    expect(fields.get('api')).toEqual([{ path: '/spec/replicas', desired: 2, live: 3 }]);
    expect(fields.get('cfg')).toEqual([{ path: '/data/note', desired: 'plain', live: '<redacted>' }]);
    expect(JSON.stringify(report)).not.toContain('tok-flags-secret');
  });
});
