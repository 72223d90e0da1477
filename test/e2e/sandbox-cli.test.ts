import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('driftless sandbox (CLI)', () => {
  it('prints the URL and the KUBECONFIG hint, serves, and on SIGTERM stops with its state flushed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-cli-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const state = join(dir, 'state.json');
    const child = spawn(join(repoRoot, 'bin/driftless'), ['sandbox', '--port', '0', '--kubeconfig', kubeconfig, '--state', state, '--http', '--no-controllers', '--service-account', 'apps/bot'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    for (let i = 0; i < 600 && !out.includes('export KUBECONFIG='); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toContain(`export KUBECONFIG=${kubeconfig}`);
    const config = parse(readFileSync(kubeconfig, 'utf8'));
    const server: string = config.clusters[0].cluster.server;
    const token: string = config.users[0].user.token;
    const created = await fetch(`${server}/api/v1/namespaces/default/configmaps`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'from-cli' }, data: { a: '1' } }),
    });
    expect(created.status).toBe(201);
    // --service-account: a context sa-apps-bot whose token authenticates as the ServiceAccount.
    expect(out).toContain('sa-apps-bot = ServiceAccount apps/bot');
    expect(config.contexts).toContainEqual({ name: 'sa-apps-bot', context: { cluster: 'sandbox', user: 'sa-apps-bot', namespace: 'apps' } });
    const saToken: string = config.users.find((u: { name: string }) => u.name === 'sa-apps-bot').user.token;
    const who = await fetch(`${server}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
      method: 'POST', headers: { authorization: `Bearer ${saToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    });
    expect(((await who.json()) as { status: { userInfo: { username: string } } }).status.userInfo.username).toBe('system:serviceaccount:apps:bot');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { objects: Array<{ object: { metadata: { name: string } } }> };
    expect(saved.objects.map((o) => o.object.metadata.name)).toContain('from-cli');
  });
});
