import { describe, expect, it } from 'vitest';
import { deliver, harness, webhookSecret } from '../support/service-harness.ts';
import { example, pushPayload, schemaErrors } from '../support/push-payloads.ts';

const touchingStaging = () => pushPayload({ fullName: 'acme/gitops', after: 'b'.repeat(40), commits: [{ modified: ['overlays/staging/deploy.yaml'] }] });

describe('POST /webhooks/github refusals', () => {
  it('401 without a signature, and nothing is recorded or queued', async () => {
    const h = harness();
    const res = await deliver(h, 'push', touchingStaging(), { id: 'd-nosig', signature: null });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'missing X-Hub-Signature-256 header' } });
    expect(await h.store.getDelivery('d-nosig')).toBeUndefined();
    expect(h.queue.stats().enqueued).toBe(0);
  });

  it('401 for a signature made with another secret or over other bytes', async () => {
    const h = harness();
    expect((await deliver(h, 'push', touchingStaging(), { id: 'd-wrong', secret: 'not-the-secret' })).status).toBe(401);
    const good = await deliver(h, 'ping', {}, { raw: '{"zen":"a"}', signature: null });
    expect(good.status).toBe(401);
    const tampered = await deliver(h, 'push', touchingStaging(), { signature: `sha256=${'0'.repeat(64)}` });
    expect(tampered.status).toBe(401);
    expect((await deliver(h, 'push', touchingStaging(), { signature: 'garbage' })).status).toBe(401);
    expect(await h.store.getDelivery('d-wrong')).toBeUndefined();
    expect(h.queue.stats().enqueued).toBe(0);
    expect(h.logs.join('\n')).not.toContain(webhookSecret);
  });

  it('a request without a signature is refused on its headers: no secret is resolved', async () => {
    let resolved = 0;
    const h = harness({ http: { webhookSecret: async () => { resolved++; return webhookSecret; } } });
    const res = await deliver(h, 'push', touchingStaging(), { signature: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('connection')).toBe('close');
    expect(resolved).toBe(0);
    expect((await deliver(h, 'push', touchingStaging(), { signature: `sha256=${'0'.repeat(64)}` })).status).toBe(401);
    expect(resolved).toBe(1);
    expect(h.queue.stats().enqueued).toBe(0);
  });

  it('401 for every webhook when no secret is configured', async () => {
    const h = harness({ http: { webhookSecret: async () => undefined } });
    const res = await deliver(h, 'ping', example('ping'));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/webhookSecret/);
  });

  it('413 for a declared length over the cap, before reading', async () => {
    const h = harness({ http: { maxBodyBytes: 1024 } });
    const res = await h.app.request('/webhooks/github', {
      method: 'POST', body: 'x'.repeat(2048),
      headers: { 'content-length': '2048', 'x-github-event': 'push', 'x-github-delivery': 'big', 'x-hub-signature-256': 'sha256=00' },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('413 for a streamed body without length, cancelled once it passes the cap', async () => {
    const h = harness({ http: { maxBodyBytes: 1024 } });
    let pulled = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(512));
      },
      cancel() {
        cancelled = true;
      },
    });
    const res = await h.app.request('/webhooks/github', {
      method: 'POST', body: stream, duplex: 'half',
      headers: { 'x-github-event': 'push', 'x-github-delivery': 'stream', 'x-hub-signature-256': 'sha256=00' },
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(10);
    expect(await h.store.getDelivery('stream')).toBeUndefined();
  });

  it('400 for a signed body that is not JSON', async () => {
    const h = harness();
    const res = await deliver(h, 'push', undefined, { raw: 'payload=%7B%7D', id: 'd-form' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/not JSON/) });
    expect(await h.store.getDelivery('d-form')).toBeUndefined();
  });

  it('400 naming the field for a real push payload missing a field driftless reads', async () => {
    const h = harness();
    const payload = touchingStaging();
    expect(schemaErrors('push', payload)).toEqual([]);
    delete payload.after;
    const res = await deliver(h, 'push', payload);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('after');
    const noRepo = touchingStaging();
    delete noRepo.repository;
    expect((await deliver(h, 'push', noRepo)).status).toBe(400);
    expect(h.queue.stats().enqueued).toBe(0);
  });

  it('400 without the event or delivery header', async () => {
    const h = harness();
    const body = JSON.stringify(example('ping'));
    const { Webhooks } = await import('@octokit/webhooks');
    const signature = await new Webhooks({ secret: webhookSecret }).sign(body);
    const res = await h.app.request('/webhooks/github', { method: 'POST', body, headers: { 'x-hub-signature-256': signature, 'x-github-event': 'ping' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/X-GitHub-Delivery/);
  });
});

describe('POST /webhooks/github deliveries', () => {
  it('ping answers 200 and is recorded done; a replay is a duplicate', async () => {
    const h = harness();
    const ping = example('ping');
    expect(schemaErrors('ping', ping)).toEqual([]);
    const res = await deliver(h, 'ping', ping, { id: 'd-ping' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ result: 'pong' });
    expect((await h.store.getDelivery('d-ping'))?.state).toBe('done');
    const again = await deliver(h, 'ping', ping, { id: 'd-ping' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ result: 'duplicate' });
  });

  it('push answers 202 with the apps it queued, records queued, and the sync runs at the pushed head', async () => {
    const h = harness();
    h.engine.refs.set('main', 'b'.repeat(40));
    const res = await deliver(h, 'push', touchingStaging(), { id: 'd-push' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { result: string; apps: string[]; syncs: string[] };
    expect(body).toMatchObject({ result: 'queued', apps: ['staging'] });
    expect(await h.store.getDelivery('d-push')).toMatchObject({ state: 'queued', apps: ['staging'] });
    await h.queue.idle();
    expect(h.engine.syncs.map((s) => [s.app, s.request.revision.sha])).toEqual([['staging', 'b'.repeat(40)]]);
    expect(await h.store.getSync(body.syncs[0]!)).toMatchObject({ state: 'succeeded', trigger: { kind: 'push', delivery: 'd-push' }, changes: 1 });
  });

  it('a replayed push that was queued is a 200 duplicate and queues nothing more', async () => {
    const h = harness();
    const payload = touchingStaging();
    expect((await deliver(h, 'push', payload, { id: 'd-dup' })).status).toBe(202);
    const again = await deliver(h, 'push', payload, { id: 'd-dup' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ result: 'duplicate', apps: ['staging'] });
    expect(h.queue.stats().enqueued).toBe(1);
  });

  it('a failed enqueue answers 503 and the redelivery with the same GUID is enqueued', async () => {
    const h = harness();
    const payload = touchingStaging();
    h.breakQueue.broken = true;
    const first = await deliver(h, 'push', payload, { id: 'd-503' });
    expect(first.status).toBe(503);
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe('QUEUE_UNAVAILABLE');
    expect((await h.store.getDelivery('d-503'))?.state).toBe('received');
    h.breakQueue.broken = false;
    const redelivery = await deliver(h, 'push', payload, { id: 'd-503' });
    expect(redelivery.status).toBe(202);
    expect(await redelivery.json()).toMatchObject({ result: 'queued', apps: ['staging'] });
    expect((await h.store.getDelivery('d-503'))?.state).toBe('queued');
    await h.queue.idle();
    expect(h.engine.syncs).toHaveLength(1);
  });

  it('a push no app follows is 202, recorded done, queues nothing', async () => {
    const h = harness();
    const res = await deliver(h, 'push', pushPayload({ fullName: 'acme/gitops', commits: [{ modified: ['README.md'] }] }), { id: 'd-none' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ result: 'unmatched', apps: [] });
    expect((await h.store.getDelivery('d-none'))?.state).toBe('done');
    expect(h.queue.stats().enqueued).toBe(0);
  });

  it('other events are 202 ignored', async () => {
    const h = harness();
    const res = await deliver(h, 'star', example('star'), { id: 'd-issue' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ result: 'ignored' });
    expect((await h.store.getDelivery('d-issue'))?.state).toBe('done');
  });

  it('a deleted branch syncs nothing and marks its apps source missing', async () => {
    const h = harness();
    const res = await deliver(h, 'push', pushPayload({ fullName: 'acme/gitops', deleted: true, after: '0'.repeat(40), commits: [] }));
    expect(res.status).toBe(202);
    expect((await h.store.getAppStatus('staging'))?.sourceMissing).toBe(true);
    expect(h.queue.stats().enqueued).toBe(0);
  });
});
