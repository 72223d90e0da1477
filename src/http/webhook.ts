import { Webhooks } from '@octokit/webhooks';
import type { Context } from 'hono';
import { DriftlessError } from '../core/errors.ts';
import type { Logger } from '../service/engine.ts';
import type { DriftlessService } from '../service/service.ts';
import type { IncomingMessage } from 'node:http';
import { readBodyText, readIncomingText } from './body.ts';
import { sendError } from './errors.ts';

export interface WebhookRouteDeps {
  service: DriftlessService;
  webhookSecret: () => Promise<string | undefined>;
  log: Logger;
  maxBodyBytes?: number;
}

/** One Webhooks verifier per secret value (the secret may rotate between requests). */
function verifierCache(): (secret: string) => Webhooks {
  let cached: { secret: string; webhooks: Webhooks } | undefined;
  return (secret) => {
    if (cached?.secret !== secret) cached = { secret, webhooks: new Webhooks({ secret }) };
    return cached.webhooks;
  };
}

/**
 * POST /webhooks/github: size cap → signature (constant time, over the exact bytes) → JSON →
 * record and enqueue. Nothing is parsed or stored before the signature checks out.
 */
export function webhookHandler(deps: WebhookRouteDeps): (c: Context) => Promise<Response> {
  const verifier = verifierCache();
  return async (c) => {
    const secret = await deps.webhookSecret();
    if (!secret) return sendError(c, 401, 'UNAUTHORIZED', 'webhooks are disabled: server.webhookSecret is not configured');
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const body = incoming && typeof incoming.on === 'function' && !incoming.readableEnded
      ? await readIncomingText(incoming, deps.maxBodyBytes)
      : await readBodyText(c.req.raw, deps.maxBodyBytes);
    const signature = c.req.header('x-hub-signature-256');
    if (!signature) return sendError(c, 401, 'UNAUTHORIZED', 'missing X-Hub-Signature-256 header');
    let valid = false;
    try {
      valid = await verifier(secret).verify(body, signature);
    } catch {
      valid = false;
    }
    if (!valid) {
      deps.log.warn('webhook signature mismatch', { delivery: c.req.header('x-github-delivery') });
      return sendError(c, 401, 'UNAUTHORIZED', 'X-Hub-Signature-256 does not match the payload');
    }

    const event = c.req.header('x-github-event');
    const id = c.req.header('x-github-delivery');
    if (!event) throw new DriftlessError('BAD_REQUEST', 'missing X-GitHub-Event header', { field: 'X-GitHub-Event' });
    if (!id) throw new DriftlessError('BAD_REQUEST', 'missing X-GitHub-Delivery header', { field: 'X-GitHub-Delivery' });
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      throw new DriftlessError('BAD_REQUEST', 'payload is not JSON (configure the webhook with content type application/json)', { field: '(body)' });
    }

    const outcome = await deps.service.handleWebhook({ id, event, payload });
    const status = outcome.result === 'pong' || outcome.result === 'duplicate' ? 200 : 202;
    return c.json({ delivery: id, ...outcome }, status);
  };
}
