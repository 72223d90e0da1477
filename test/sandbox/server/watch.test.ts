import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { call, cm, readWatch } from './helpers.ts';

const ns = '/api/v1/namespaces/kube-public/configmaps';

describe('sandbox watch', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ controllers: false, watchHistory: 50 });
    await call(sb, 'POST', ns, { body: cm('w-old', {}, { app: 'w' }) });
  });
  afterAll(() => sb.stop());

  it('sends ADDED for existing objects when no resourceVersion is given, then live events', async () => {
    const events = readWatch(sb, `${ns}?watch=true&labelSelector=app%3Dw`, (e) => e.length >= 3);
    await new Promise((r) => setTimeout(r, 50));
    await call(sb, 'POST', ns, { body: cm('w-new', {}, { app: 'w' }) });
    await call(sb, 'POST', ns, { body: cm('w-other', {}, { app: 'other' }) });
    await call(sb, 'DELETE', `${ns}/w-new`);
    const got = await events;
    expect(got.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w-old', 'ADDED w-new', 'DELETED w-new']);
  });

  it('resumes from a resourceVersion without gaps and honours field selectors', async () => {
    const rv = (await call(sb, 'GET', ns)).json.metadata.resourceVersion;
    await call(sb, 'POST', ns, { body: cm('r1') });
    await call(sb, 'PATCH', `${ns}/r1`, { body: { data: { b: '2' } }, contentType: 'application/merge-patch+json' });
    await call(sb, 'POST', ns, { body: cm('r2') });
    const got = await readWatch(sb, `${ns}?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dr1`, (e) => e.length >= 2);
    expect(got.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED']);
    expect(got[1]!.object.data).toEqual({ a: '1', b: '2' });
  });

  it('sends DELETED when a modified object leaves the label selector (watch cache filtering)', async () => {
    await call(sb, 'POST', ns, { body: cm('leaver', {}, { keep: 'yes' }) });
    const events = readWatch(sb, `${ns}?watch=true&labelSelector=keep%3Dyes`, (e) => e.length >= 2);
    await new Promise((r) => setTimeout(r, 50));
    await call(sb, 'PATCH', `${ns}/leaver`, { body: { metadata: { labels: { keep: 'no' } } }, contentType: 'application/merge-patch+json' });
    expect((await events).map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('emits no event for a write that changes nothing', async () => {
    const live = (await call(sb, 'POST', ns, { body: cm('quiet') })).json;
    const events = readWatch(sb, `${ns}?watch=true&resourceVersion=${live.metadata.resourceVersion}&fieldSelector=metadata.name%3Dquiet`, () => false, 600);
    await new Promise((r) => setTimeout(r, 50));
    expect((await call(sb, 'PUT', `${ns}/quiet`, { body: live })).json.metadata.resourceVersion).toBe(live.metadata.resourceVersion);
    await call(sb, 'PATCH', `${ns}/quiet`, { body: { data: { a: '1' } }, contentType: 'application/merge-patch+json' });
    expect(await events).toEqual([]);
  });

  it('answers a too old resourceVersion with an ERROR event carrying 410 Expired', async () => {
    for (let i = 0; i < 60; i++) await call(sb, 'POST', ns, { body: cm(`filler-${i}`) });
    const got = await readWatch(sb, `${ns}?watch=true&resourceVersion=2`, (e) => e.length >= 1);
    expect(got[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    expect(got[0]!.object.message).toMatch(/^too old resource version: 2 \(\d+\)$/);
  });

  it('ends the stream at timeoutSeconds', async () => {
    const started = Date.now();
    await readWatch(sb, `${ns}?watch=true&timeoutSeconds=1&labelSelector=none%3Dnone`, () => false, 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('sendInitialEvents=true ends the initial state with a BOOKMARK annotated k8s.io/initial-events-end (client-go watch-list)', async () => {
    const got = await readWatch(sb, `${ns}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=app%3Dw`, (e) => e.some((x) => x.type === 'BOOKMARK'));
    expect(got.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    expect(got[1]!.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(Number(got[1]!.object.metadata.resourceVersion)).toBeGreaterThan(0);
    const bad = await call(sb, 'GET', `${ns}?watch=true&sendInitialEvents=true`);
    expect(bad.status).toBe(422);
  });
});
