import { DriftlessError } from '../../src/core/errors.ts';
import { describe, expect, it } from 'vitest';
import { api, deliver, harness, tokens } from '../support/service-harness.ts';
import { pushPayload } from '../support/push-payloads.ts';

const old = 'c'.repeat(40);
const head = 'a'.repeat(40);
const json = async (res: Response) => (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } };

describe('API tokens and read access', () => {
  it('healthz is public', async () => {
    const h = harness();
    const res = await api(h, 'GET', '/healthz', { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('401 without a token, with an unknown token, or a malformed header; any configured token works', async () => {
    const h = harness();
    for (const token of [null, 'nope', `${tokens[0]}x`]) {
      const res = await api(h, 'POST', '/apps/staging/sync', { token });
      expect(res.status).toBe(401);
      expect((await json(res)).error?.code).toBe('UNAUTHORIZED');
    }
    const raw = await h.app.request('/apps/staging/sync', { method: 'POST', headers: { authorization: tokens[0]! } });
    expect(raw.status).toBe(401);
    expect((await api(h, 'POST', '/apps/staging/sync', { token: tokens[1] })).status).toBe(202);
    expect(h.queue.stats().enqueued).toBe(1);
  });

  it('read endpoints need a token unless publicRead', async () => {
    const closed = harness();
    for (const path of ['/apps', '/apps/staging', '/apps/staging/diff', '/syncs/x']) {
      expect((await api(closed, 'GET', path, { token: null })).status).toBe(401);
    }
    const open = harness({ http: { publicRead: true } });
    expect((await api(open, 'GET', '/apps', { token: null })).status).toBe(200);
    expect((await api(open, 'POST', '/apps/staging/sync', { token: null })).status).toBe(401);
  });
});

describe('POST /apps/{app}/sync', () => {
  it('404 for an unknown app, sync, or route, as JSON errors', async () => {
    const h = harness();
    for (const [method, path] of [['POST', '/apps/nope/sync'], ['GET', '/apps/nope'], ['GET', '/apps/nope/diff'], ['GET', '/syncs/nope'], ['GET', '/nowhere']] as const) {
      const res = await api(h, method, path);
      expect(res.status, path).toBe(404);
      expect((await json(res)).error?.code).toMatch(/NOT_FOUND/);
    }
  });

  it.each([
    [{ revision: 42 }, 'revision'],
    [{ revision: '../etc' }, 'revision'],
    [{ dryRun: 'yes' }, 'dryRun'],
    [{ prune: 1 }, 'prune'],
    [{ force: true }, 'force'],
    [[1], 'body'],
    ['{not json', 'JSON'],
  ])('400 for body %j naming %s', async (body, field) => {
    const h = harness();
    const res = await api(h, 'POST', '/apps/staging/sync', { body });
    expect(res.status).toBe(400);
    const error = (await json(res)).error!;
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain(field);
    expect(h.queue.stats().enqueued).toBe(0);
  });

  it('202 with a sync id that GET /syncs/{id} follows to the end', async () => {
    const h = harness();
    const res = await api(h, 'POST', '/apps/staging/sync', { body: {} });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await h.queue.idle();
    const sync = await json(await api(h, 'GET', `/syncs/${id}`));
    expect(sync).toMatchObject({ id, app: 'staging', state: 'succeeded', trigger: { kind: 'manual', actor: 'token#1' }, revision: { sha: head } });
  });

  it('?wait=true answers 200 with the SyncResult', async () => {
    const h = harness();
    const res = await api(h, 'POST', '/apps/staging/sync?wait=true', { body: { dryRun: true } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ app: 'staging', status: 'DryRun', dryRun: true, revision: { sha: head } });
    expect((await h.store.getAppStatus('staging'))?.status ?? 'Never').toBe('Never');
  });

  it('rollback pins the app: pushes do not move it, status shows the pin, unpin returns to the head', async () => {
    const h = harness();
    const rollback = await json(await api(h, 'POST', '/apps/staging/sync?wait=true', { body: { revision: old } }));
    expect(rollback).toMatchObject({ status: 'Synced', revision: { sha: old } });
    const status = await json(await api(h, 'GET', '/apps/staging'));
    expect(status).toMatchObject({ revision: { sha: old }, pinned: { revision: old, by: 'token#1' } });

    h.engine.refs.set('main', 'd'.repeat(40));
    const push = await deliver(h, 'push', pushPayload({ fullName: 'acme/gitops', after: 'd'.repeat(40), commits: [{ modified: ['overlays/staging/x.yaml'] }] }));
    expect(await push.json()).toMatchObject({ result: 'unmatched', reason: expect.stringMatching(/pinned: staging/) });
    await h.queue.idle();
    expect(h.engine.syncs.map((s) => s.request.revision.sha)).toEqual([old]);

    // A plain manual sync keeps the pin.
    await api(h, 'POST', '/apps/staging/sync?wait=true', { body: {} });
    expect(h.engine.syncs.at(-1)!.request.revision.sha).toBe(old);

    const unpin = await api(h, 'POST', '/apps/staging/unpin');
    expect(unpin.status).toBe(200);
    expect((await json(unpin)).status).not.toHaveProperty('pinned');
    await h.queue.idle();
    expect(h.engine.syncs.at(-1)!.request.revision.sha).toBe('d'.repeat(40));
    const apps = (await json(await api(h, 'GET', '/apps'))).apps as Array<Record<string, unknown>>;
    expect(apps.find((a) => a.name === 'staging')).toMatchObject({ status: 'Synced', revision: { sha: 'd'.repeat(40) } });
    expect(apps.find((a) => a.name === 'staging')).not.toHaveProperty('pinned');
  });

  it('a dry run with a revision does not pin', async () => {
    const h = harness();
    await api(h, 'POST', '/apps/staging/sync?wait=true', { body: { revision: old, dryRun: true } });
    expect((await h.store.getAppStatus('staging'))?.pin).toBeUndefined();
  });

  it('503 when the queue refuses a manual sync', async () => {
    const h = harness();
    h.breakQueue.broken = true;
    const res = await api(h, 'POST', '/apps/staging/sync');
    expect(res.status).toBe(503);
    expect((await json(res)).error?.code).toBe('QUEUE_UNAVAILABLE');
  });
});

describe('GET endpoints and error hygiene', () => {
  it('GET /apps lists every configured app with status fields', async () => {
    const h = harness();
    const body = await json(await api(h, 'GET', '/apps'));
    expect(body.apps).toEqual([
      expect.objectContaining({ name: 'staging', branch: 'main', status: 'Never', sourceMissing: false }),
      expect.objectContaining({ name: 'production', status: 'Never' }),
    ]);
  });

  it('GET /apps/{app}/diff returns the plan; an unknown revision is 404', async () => {
    const h = harness();
    expect(await json(await api(h, 'GET', '/apps/staging/diff'))).toMatchObject({ app: 'staging', revision: { sha: head } });
    const res = await api(h, 'GET', '/apps/staging/diff?revision=nope');
    expect(res.status).toBe(404);
    expect((await json(res)).error?.code).toBe('REVISION_NOT_FOUND');
    const bad = await api(h, 'GET', '/apps/staging/diff?revision=..%2Fetc');
    expect(bad.status).toBe(400);
    expect((await json(bad)).error?.message).toContain('revision');
  });

  it('unexpected errors answer 500 without stack or details, and tokens never reach logs', async () => {
    const h = harness();
    h.engine.diff = async () => {
      throw new Error(`boom with ${tokens[0]} at /srv/secret.ts:1`);
    };
    const res = await api(h, 'GET', '/apps/staging/diff');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'internal error; see the server log' } });
    expect(text).not.toMatch(/boom|secret\.ts|at /);
    await api(h, 'POST', '/apps/staging/sync', { token: tokens[1] });
    expect(h.logs.join('\n')).not.toContain(tokens[1]);
  });
});

describe('pins (issue 8)', () => {
  it('an unknown revision is 404 naming it, and changes nothing: no pin, no job, no record', async () => {
    const h = harness();
    const res = await api(h, 'POST', '/apps/staging/sync', { body: { revision: 'no-such-tag' } });
    expect(res.status).toBe(404);
    const error = (await json(res)).error!;
    expect(error.code).toBe('REVISION_NOT_FOUND');
    expect(error.message).toContain('"no-such-tag"');
    expect(error.message).toContain('not pinned');
    expect(h.queue.stats().enqueued).toBe(0);
    expect(await h.store.listSyncs()).toEqual([]);
    expect((await h.store.getAppStatus('staging'))?.pin).toBeUndefined();
    const view = await json(await api(h, 'GET', '/apps/staging'));
    expect(view).not.toHaveProperty('pinned');
  });

  it('a rollback whose sync fails leaves no pin: the next push still syncs the branch', async () => {
    const h = harness();
    h.engine.failNext('RENDER_FAILED', false);
    const res = await api(h, 'POST', '/apps/staging/sync?wait=true', { body: { revision: old } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ state: 'failed', error: { code: 'RENDER_FAILED' } });
    expect((await h.store.getAppStatus('staging'))?.pin).toBeUndefined();
    const push = await deliver(h, 'push', pushPayload({ fullName: 'acme/gitops', after: head, commits: [{ modified: ['overlays/staging/x.yaml'] }] }));
    expect(await push.json()).toMatchObject({ result: 'queued', apps: ['staging'] });
  });

  it('GET /apps shows who pinned (the token id, never the token) and when; a held push is in the history as skipped', async () => {
    const h = harness();
    await api(h, 'POST', '/apps/staging/sync?wait=true', { body: { revision: old }, token: tokens[1] });
    const apps = (await json(await api(h, 'GET', '/apps'))).apps as Array<Record<string, unknown>>;
    const staging = apps.find((a) => a.name === 'staging')!;
    expect(staging).toMatchObject({ pinned: { revision: old, by: 'token#2', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } });
    expect(JSON.stringify(apps)).not.toContain(tokens[1]);

    const push = await deliver(h, 'push', pushPayload({ fullName: 'acme/gitops', after: 'd'.repeat(40), commits: [{ modified: ['overlays/staging/x.yaml'] }] }));
    const outcome = (await push.json()) as { skipped?: string[] };
    expect(outcome.skipped).toHaveLength(1);
    const view = await json(await api(h, 'GET', '/apps/staging'));
    const recent = view.recentSyncs as Array<Record<string, unknown>>;
    expect(recent[0]).toMatchObject({ id: outcome.skipped![0], state: 'skipped', trigger: { kind: 'push' } });
    expect(String(recent[0]!.reason)).toMatch(new RegExp(`pinned to ${old} by token#2 at .*unpin`));
    expect(h.engine.syncs).toHaveLength(1);
  });

  it('only /unpin removes a pin: later manual syncs, pushes and polls keep it', async () => {
    const h = harness();
    await api(h, 'POST', '/apps/staging/sync?wait=true', { body: { revision: old } });
    await api(h, 'POST', '/apps/staging/sync?wait=true', { body: {} });
    await deliver(h, 'push', pushPayload({ fullName: 'acme/gitops', after: 'd'.repeat(40), commits: [{ modified: ['overlays/staging/x.yaml'] }] }));
    await h.service.pollOnce();
    await h.queue.idle();
    expect((await h.store.getAppStatus('staging'))?.pin?.revision).toBe(old);
    await api(h, 'POST', '/apps/staging/unpin');
    expect((await h.store.getAppStatus('staging'))?.pin).toBeUndefined();
  });
});

describe('publicRead and health (issue 8)', () => {
  it('with publicRead the diff still needs a token (it dry-runs against the cluster)', async () => {
    const h = harness({ http: { publicRead: true } });
    expect((await api(h, 'GET', '/apps/staging', { token: null })).status).toBe(200);
    const res = await api(h, 'GET', '/apps/staging/diff', { token: null });
    expect(res.status).toBe(401);
    expect((await json(res)).error?.code).toBe('UNAUTHORIZED');
    expect((await api(h, 'GET', '/apps/staging/diff')).status).toBe(200);
  });

  it('a diff the repository makes impossible is 422 with its code, not a server error', async () => {
    const h = harness();
    h.engine.diff = async () => { throw new DriftlessError('ADMISSION_DENIED', 'pods "bad" is forbidden: violates PodSecurity "restricted:latest"'); };
    const res = await api(h, 'GET', '/apps/staging/diff');
    expect(res.status).toBe(422);
    expect((await json(res)).error?.code).toBe('ADMISSION_DENIED');
  });

  it('/healthz is 503 when the store is unhealthy, with the store\'s reason only for a token holder', async () => {
    const h = harness();
    h.store.health = async () => ({ ok: false, reason: 'state database /x/state.db: SQLITE_CORRUPT: database disk image is malformed' });
    const res = await api(h, 'GET', '/healthz', { token: null });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const anonymous = await json(res);
    expect(anonymous).toMatchObject({ ok: false, reason: expect.stringContaining('state store is unavailable'), error: { code: 'STATE_UNAVAILABLE' } });
    expect(JSON.stringify(anonymous)).not.toContain('state.db');
    const withToken = await api(h, 'GET', '/healthz');
    expect(await json(withToken)).toMatchObject({ ok: false, reason: expect.stringContaining('SQLITE_CORRUPT'), error: { code: 'STATE_UNAVAILABLE' } });
  });
});
