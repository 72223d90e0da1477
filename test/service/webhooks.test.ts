import { describe, expect, it } from 'vitest';
import { deliver, harness } from '../support/service-harness.ts';
import { pushPayload } from '../support/push-payloads.ts';

const touchingStaging = () => pushPayload({ fullName: 'acme/gitops', after: 'b'.repeat(40), commits: [{ modified: ['overlays/staging/deploy.yaml'] }] });

describe('delivery claims in the webhook handler', () => {
  it('of two handlers given the same delivery at once, exactly one enqueues', async () => {
    const h = harness();
    const payload = touchingStaging();
    const answers = await Promise.all([deliver(h, 'push', payload, { id: 'd-race' }), deliver(h, 'push', payload, { id: 'd-race' })]);
    const bodies = await Promise.all(answers.map((r) => r.json() as Promise<{ result: string }>));
    expect(bodies.map((b) => b.result).sort()).toEqual(['duplicate', 'queued']);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 202]);
    expect(h.queue.stats().enqueued).toBe(1);
  });

  it('a claim left by a handler that died holds a redelivery off until it expires, then the redelivery is enqueued', async () => {
    const h = harness();
    const payload = touchingStaging();
    const stuck = { id: 'd-stuck', event: 'push', state: 'received' as const, apps: [], receivedAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
    await h.store.putDelivery({ ...stuck, claimedUntil: '2999-01-01T00:00:00.000Z' });
    const held = await deliver(h, 'push', payload, { id: 'd-stuck' });
    expect(await held.json()).toMatchObject({ result: 'duplicate', reason: 'another handler is processing this delivery' });
    expect(h.queue.stats().enqueued).toBe(0);
    await h.store.putDelivery({ ...stuck, claimedUntil: '2000-01-01T00:00:00.000Z' });
    const redelivery = await deliver(h, 'push', payload, { id: 'd-stuck' });
    expect(redelivery.status).toBe(202);
    expect(await redelivery.json()).toMatchObject({ result: 'queued', apps: ['staging'] });
    // The claim is gone once queued; the first receipt time stays.
    expect(await h.store.getDelivery('d-stuck')).toMatchObject({ state: 'queued', receivedAt: stuck.receivedAt });
    expect((await h.store.getDelivery('d-stuck'))?.claimedUntil).toBeUndefined();
  });
});
