import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/adapters/state-memory/memory-state.ts';
import { createInProcessService } from '../../src/wiring/in-process.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { pushPayload, sha } from '../support/push-payloads.ts';
import { appConfig, serviceConfig } from '../support/service-fixtures.ts';

function setup() {
  const config = serviceConfig([appConfig('staging', { path: 'overlays/staging' }), appConfig('production', { path: 'overlays/production' })]);
  const store = new MemoryStateStore();
  const engine = new FakeEngine();
  engine.refs.set('main', sha(10));
  const { service, queue } = createInProcessService({ config, store, engine }, { sleep: async () => {}, retry: { attempts: 3, baseMs: 1, maxMs: 2 } });
  let n = 0;
  const push = (options: Parameters<typeof pushPayload>[0]) =>
    service.handleWebhook({ id: `d${++n}`, event: 'push', payload: pushPayload({ fullName: 'acme/gitops', ...options }) });
  return { service, queue, store, engine, push };
}

describe('worker', () => {
  it('skips an automatic head sync when the app is already synced to that head, never a manual one', async () => {
    const { service, queue, engine, store, push } = setup();
    const first = (await push({ after: sha(10), commits: [{ modified: ['overlays/staging/a.yaml'] }] })).syncs[0]!;
    await queue.idle();
    const second = (await push({ after: sha(10), commits: [{ modified: ['overlays/staging/a.yaml'] }] })).syncs[0]!;
    await queue.idle();
    expect(engine.syncs).toHaveLength(1);
    expect(await store.getSync(first)).toMatchObject({ state: 'succeeded' });
    expect(await store.getSync(second)).toMatchObject({ state: 'skipped', reason: expect.stringMatching(/already synced/) });
    const manual = await service.requestSync('staging', {}, 'alice');
    await queue.idle();
    expect(engine.syncs).toHaveLength(2);
    expect((await store.getSync(manual.id))?.state).toBe('succeeded');
  });

  it('records render dependencies; a later push touching only a dependency syncs the app', async () => {
    const { queue, engine, store, push } = setup();
    engine.dependencies.staging = ['overlays/staging', 'base'];
    await push({ before: sha(1), after: sha(10), created: true, commits: [] });
    await queue.idle();
    expect(await store.getRenderDependencies('staging')).toEqual(['base', 'overlays/staging']);
    engine.refs.set('main', sha(11));
    const outcome = await push({ before: sha(10), after: sha(11), commits: [{ modified: ['base/deployment.yaml'] }] });
    expect(outcome.apps).toEqual(['staging']);
  });

  it('an incomplete push becomes a resolve job: the worker compares and skips apps it did not touch', async () => {
    const { queue, engine, store, push } = setup();
    engine.changed = ['overlays/production/replicas.yaml'];
    const outcome = await push({ forced: true, commits: [{ modified: ['x'] }] });
    expect(outcome.apps).toEqual(['staging', 'production']);
    await queue.idle();
    expect(engine.syncs.map((s) => s.app)).toEqual(['production']);
    expect(await store.getSync(outcome.syncs[0]!)).toMatchObject({ state: 'skipped', reason: expect.stringMatching(/no file the app depends on changed/) });
  });

  it('when the compare cannot tell (over 300 files), every app of the branch syncs', async () => {
    const { queue, engine, push } = setup();
    engine.changed = undefined;
    await push({ forced: true });
    await queue.idle();
    expect(engine.syncs.map((s) => s.app).sort()).toEqual(['production', 'staging']);
    expect(engine.changedCalls).toBe(2);
  });

  it('retries transient failures, then records success', async () => {
    const { service, queue, engine, store } = setup();
    engine.failNext('CLUSTER_UNAVAILABLE', true);
    const record = await service.requestSync('staging', {}, 'alice');
    await queue.idle();
    expect(engine.syncs).toHaveLength(2);
    expect(await store.getSync(record.id)).toMatchObject({ state: 'succeeded' });
  });

  it('records permanent failures once in the audit log and the app status', async () => {
    const { service, queue, engine, store } = setup();
    engine.failNext('RENDER_FAILED', false);
    const record = await service.requestSync('staging', {}, 'alice');
    await queue.idle();
    expect(engine.syncs).toHaveLength(1);
    expect(await store.getSync(record.id)).toMatchObject({ state: 'failed', error: { code: 'RENDER_FAILED' }, trigger: { kind: 'manual', actor: 'alice' } });
    expect(await store.getAppStatus('staging')).toMatchObject({ status: 'Failed', message: 'RENDER_FAILED injected' });
  });

  it('transient failures past the retry policy are recorded as failed', async () => {
    const { service, queue, engine, store } = setup();
    for (let i = 0; i < 3; i++) engine.failNext('CLUSTER_UNAVAILABLE', true);
    const record = await service.requestSync('staging', {}, 'alice');
    await queue.idle();
    expect(await store.getSync(record.id)).toMatchObject({ state: 'failed', error: { code: 'CLUSTER_UNAVAILABLE' } });
  });

  it('a burst of 50 pushes ends in at most two syncs, the last at the newest head; waiters follow coalescing', async () => {
    const { service, queue, engine, store, push } = setup();
    let release!: () => void;
    engine.gate = new Promise((r) => (release = r));
    const ids: string[] = [];
    for (let i = 1; i <= 50; i++) {
      engine.refs.set('main', sha(100 + i));
      ids.push(...(await push({ before: sha(99 + i), after: sha(100 + i), commits: [{ modified: ['overlays/staging/a.yaml'] }] })).syncs);
    }
    const waited = service.waitForSync(ids[10]!);
    release();
    await queue.idle();
    expect(engine.syncs.length).toBeLessThanOrEqual(2);
    expect(engine.syncs.at(-1)!.request.revision.sha).toBe(sha(150));
    expect(engine.maxRunning).toBe(1);
    expect((await waited).state).toBe('succeeded');
    expect(await store.getSync(ids[10]!)).toMatchObject({ state: 'skipped', coalescedInto: expect.any(String) });
    expect((await store.getAppStatus('staging'))?.revision?.sha).toBe(sha(150));
  });

  it('a tag push syncs an app pinned to that tag at the tag', async () => {
    const { service, queue, engine, push } = setup();
    engine.refs.set('v1.2.0', sha(7));
    await service.requestSync('staging', { revision: 'v1.2.0' }, 'alice');
    await queue.idle();
    engine.refs.set('v1.2.0', sha(8));
    const outcome = await push({ ref: 'refs/tags/v1.2.0', commits: [] });
    expect(outcome).toMatchObject({ result: 'queued', apps: ['staging'] });
    await queue.idle();
    expect(engine.syncs.map((s) => [s.request.revision.ref, s.request.revision.sha])).toEqual([['v1.2.0', sha(7)], ['v1.2.0', sha(8)]]);
  });

  it('a deleted branch marks source missing; head syncs skip until a created branch brings it back', async () => {
    const { service, queue, engine, store, push } = setup();
    await push({ deleted: true, after: '0'.repeat(40), commits: [] });
    expect((await store.getAppStatus('staging'))?.sourceMissing).toBe(true);
    expect(await service.pollOnce()).toEqual(['staging', 'production']);
    await queue.idle();
    // poll found the branch again (the fake still resolves it), which clears the flag first.
    expect((await store.getAppStatus('staging'))?.sourceMissing).toBe(false);
    engine.refs.delete('main');
    await push({ deleted: true, after: '0'.repeat(40), commits: [] });
    expect(await service.pollOnce()).toEqual([]);
    expect((await store.getAppStatus('production'))?.sourceMissing).toBe(true);
    engine.refs.set('main', sha(20));
    const created = await push({ before: '0'.repeat(40), after: sha(20), created: true, commits: [] });
    expect(created.apps).toEqual(['staging', 'production']);
    await queue.idle();
    expect(await store.getAppStatus('staging')).toMatchObject({ sourceMissing: false, revision: { sha: sha(20) } });
  });
});

describe('poll', () => {
  it('enqueues only apps whose branch head moved, and never pinned apps', async () => {
    const { service, queue, engine, store } = setup();
    expect(await service.pollOnce()).toEqual(['staging', 'production']);
    await queue.idle();
    expect(await service.pollOnce()).toEqual([]);
    engine.refs.set('main', sha(30));
    await store.setPin('production', { revision: sha(10), by: 'alice', at: 't' });
    expect(await service.pollOnce()).toEqual(['staging']);
    await queue.idle();
    expect((await store.listSyncs({ app: 'staging', limit: 1 }))[0]).toMatchObject({ trigger: { kind: 'poll' }, state: 'succeeded' });
  });
});

describe('restart', () => {
  it('re-enqueues syncs a previous process left queued or running', async () => {
    const { service, queue, engine, store } = setup();
    await store.putSync({ id: 'left-1', app: 'staging', trigger: { kind: 'push', delivery: 'd9' }, dryRun: false, state: 'queued', queuedAt: 't' });
    await store.putSync({ id: 'left-2', app: 'production', trigger: { kind: 'manual', actor: 'a' }, requested: sha(3), dryRun: false, state: 'running', queuedAt: 't' });
    await store.putSync({ id: 'done', app: 'staging', trigger: { kind: 'poll' }, dryRun: false, state: 'succeeded', queuedAt: 't' });
    expect(await service.resumeInterrupted()).toEqual(['left-1', 'left-2']);
    await queue.idle();
    expect(engine.syncs.map((s) => [s.app, s.request.revision.sha])).toEqual([['staging', sha(10)], ['production', sha(3)]]);
    expect((await store.getSync('left-1'))?.state).toBe('succeeded');
  });
});
