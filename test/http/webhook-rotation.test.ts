import { describe, expect, it } from 'vitest';
import type { SecretRef } from '../../src/ports/secrets.ts';
import { httpSecrets } from '../../src/wiring/http-secrets.ts';
import { deliver, harness } from '../support/service-harness.ts';
import { example } from '../support/push-payloads.ts';

/** A Secrets Manager-like store: `hook` is AWSCURRENT, `hook@AWSPREVIOUS` the version before. */
function store(values: Record<string, string>) {
  const reads: string[] = [];
  return {
    values,
    reads,
    async resolve(ref: SecretRef): Promise<string> {
      if (!('secret' in ref)) throw new Error('unexpected ref');
      const key = ref.versionStage ? `${ref.secret}@${ref.versionStage}` : ref.secret;
      reads.push(key);
      const value = values[key];
      if (value === undefined) throw Object.assign(new Error(`no ${key}`), { code: 'SECRET_NOT_FOUND' });
      return value;
    },
  };
}

function withSecrets(resolver: ReturnType<typeof store>, now: () => number) {
  const secrets = httpSecrets({ webhookSecret: { secret: 'hook' } }, resolver, 300_000, now);
  return harness({ http: { webhookSecret: secrets.webhookSecret, webhookSecretRefused: secrets.webhookSecretRefused } });
}

describe('webhook secret rotation', () => {
  it('accepts signatures made with AWSCURRENT or AWSPREVIOUS while a rotation is under way, nothing else', async () => {
    const h = withSecrets(store({ hook: 'hook-new-value', 'hook@AWSPREVIOUS': 'hook-old-value' }), () => 0);
    expect((await deliver(h, 'ping', example('ping'), { id: 'd-new', secret: 'hook-new-value' })).status).toBe(200);
    expect((await deliver(h, 'ping', example('ping'), { id: 'd-old', secret: 'hook-old-value' })).status).toBe(200);
    expect((await deliver(h, 'ping', example('ping'), { id: 'd-forged', secret: 'hook-forged' })).status).toBe(401);
  });

  it('a secret rotated after it was cached is picked up on the first signature it fails, without a restart', async () => {
    let now = 0;
    const s = store({ hook: 'hook-v1' });
    const h = withSecrets(s, () => now);
    expect((await deliver(h, 'ping', example('ping'), { id: 'd1', secret: 'hook-v1' })).status).toBe(200);
    s.values.hook = 'hook-v2';
    s.values['hook@AWSPREVIOUS'] = 'hook-v1';
    now = 1000;
    expect((await deliver(h, 'ping', example('ping'), { id: 'd2', secret: 'hook-v2' })).status).toBe(200);
    // GitHub's retries of deliveries signed before the rotation still pass.
    expect((await deliver(h, 'ping', example('ping'), { id: 'd3', secret: 'hook-v1' })).status).toBe(200);
  });

  it('forged signatures cannot drive secret reads: one forced read per 30 s, however many requests', async () => {
    let now = 0;
    const s = store({ hook: 'hook-v1' });
    const h = withSecrets(s, () => now);
    for (let i = 0; i < 20; i++) expect((await deliver(h, 'ping', example('ping'), { id: `f${i}`, secret: 'forged' })).status).toBe(401);
    const reads = s.reads.filter((r) => r === 'hook').length;
    // The first read, and one forced read after the first mismatch; AWSPREVIOUS (absent) likewise.
    expect(reads).toBe(2);
    expect(s.reads.filter((r) => r === 'hook@AWSPREVIOUS').length).toBe(2);
    now = 30_000;
    expect((await deliver(h, 'ping', example('ping'), { id: 'f-late', secret: 'forged' })).status).toBe(401);
    expect(s.reads.filter((r) => r === 'hook').length).toBe(3);
  });
});
