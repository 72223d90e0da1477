import { Webhooks } from '@octokit/webhooks';
import type { Context } from 'hono';
import { DriftlessError, isDriftlessError, type ErrorCode } from '../core/errors.ts';
import { webhookEventOf, type WebhookResult } from '../ports/metrics.ts';
import type { Logger } from '../service/engine.ts';
import type { DriftlessService } from '../service/service.ts';
import type { IncomingMessage } from 'node:http';
import { maxWebhookBytes, readBodyText, readIncomingText } from './body.ts';
import { sendError } from './errors.ts';
import { traceOf } from './trace.ts';

export interface WebhookRouteDeps {
  service: DriftlessService;
  /** The secret's value, or every value accepted during a rotation (current and previous). */
  webhookSecret: () => Promise<string | readonly string[] | undefined>;
  /**
   * No accepted value matched: re-read the secret (the caller limits how often) and say whether it
   * changed, so a secret rotated since it was cached is picked up without a restart.
   */
  webhookSecretRefused?: () => Promise<boolean>;
  log: Logger;
  maxBodyBytes?: number;
  /** Bytes of webhook bodies read at once (declared length, or the cap when undeclared); default 4 × maxBodyBytes. */
  maxBodyBytesInFlight?: number;
}

/** Seconds a client should wait when the body budget is spent. */
const busyRetryAfterSeconds = 5;

/**
 * Bodies are buffered whole (the signature covers the exact bytes), so the bytes being read at
 * once are capped: each request reserves its declared length before reading a byte.
 */
function bodyBudget(total: number): { take(bytes: number): boolean; give(bytes: number): void } {
  let used = 0;
  return {
    take(bytes) {
      if (used + bytes > total) return false;
      used += bytes;
      return true;
    },
    give(bytes) {
      used -= bytes;
    },
  };
}

/** One Webhooks verifier per secret value (the secret may rotate; two values are live while it does). */
function verifierCache(): (secret: string) => Webhooks {
  let cached: { secret: string; webhooks: Webhooks }[] = [];
  return (secret) => {
    let hit = cached.find((c) => c.secret === secret);
    if (!hit) {
      hit = { secret, webhooks: new Webhooks({ secret }) };
      cached = [hit, ...cached].slice(0, 4);
    }
    return hit.webhooks;
  };
}

function accepted(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return (typeof value === 'string' ? [value] : value).filter((v) => v !== '');
}

/**
 * POST /webhooks/github: headers first (a signature header, a declared length within the cap,
 * room in the body budget), and only then the body → signature (constant time, over the exact
 * bytes) → JSON → record and enqueue. Nothing is parsed or stored before the signature checks
 * out, and a request refused on its headers is answered without reading its body.
 */
export function webhookHandler(deps: WebhookRouteDeps): (c: Context) => Promise<Response> {
  const handle = verifiedDelivery(deps);
  // Every way out is counted once: the service's outcome, an HTTP refusal, or an error thrown to onError.
  return async (c) => {
    const event = webhookEventOf(c.req.header('x-github-event'));
    const metrics = deps.service.ctx.metrics;
    try {
      const { response, result } = await handle(c);
      metrics.webhookDelivery(event, result ?? refusalOf(response.status));
      return response;
    } catch (err) {
      metrics.webhookDelivery(event, isDriftlessError(err, 'BAD_REQUEST') ? 'bad_request' : isDriftlessError(err, 'PAYLOAD_TOO_LARGE') ? 'too_large' : 'error');
      throw err;
    }
  };
}

function refusalOf(status: number): WebhookResult {
  if (status === 401) return 'unauthorized';
  if (status === 413) return 'too_large';
  if (status === 503) return 'busy';
  if (status === 400) return 'bad_request';
  return 'error';
}

function verifiedDelivery(deps: WebhookRouteDeps): (c: Context) => Promise<{ response: Response; result?: WebhookResult }> {
  const verifier = verifierCache();
  const limit = deps.maxBodyBytes ?? maxWebhookBytes;
  const budget = bodyBudget(deps.maxBodyBytesInFlight ?? 4 * limit);
  return async (c) => {
    const refused = (response: Response) => ({ response });
    // The body is left unread: ask the client to close instead of sending it for nothing.
    const refuse = (status: 401 | 413 | 503, code: ErrorCode, message: string): Response => {
      c.header('connection', 'close');
      return sendError(c, status, code, message);
    };
    // Checked first: a request without a signature costs no secret resolution.
    const signature = c.req.header('x-hub-signature-256');
    if (!signature) return refused(refuse(401, 'UNAUTHORIZED', 'missing X-Hub-Signature-256 header'));
    const secrets = accepted(await deps.webhookSecret());
    if (secrets.length === 0) return refused(refuse(401, 'UNAUTHORIZED', 'webhooks are disabled: server.webhookSecret is not configured'));
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) return refused(refuse(413, 'PAYLOAD_TOO_LARGE', `request body over ${limit} bytes`));
    const reserved = Number.isFinite(declared) && declared >= 0 ? declared : limit;
    if (!budget.take(reserved)) {
      c.header('retry-after', String(busyRetryAfterSeconds));
      return refused(refuse(503, 'QUEUE_UNAVAILABLE', 'too many webhook bodies are being received at once; retry later (GitHub: redeliver)'));
    }
    let body: string;
    try {
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      body = incoming && typeof incoming.on === 'function' && !incoming.readableEnded
        ? await readIncomingText(incoming, limit)
        : await readBodyText(c.req.raw, limit);
    } finally {
      budget.give(reserved);
    }
    const verify = async (values: readonly string[]): Promise<boolean> => {
      for (const value of values) {
        try {
          if (await verifier(value).verify(body, signature)) return true;
        } catch {
          // A malformed signature header matches no value.
        }
      }
      return false;
    };
    let valid = await verify(secrets);
    if (!valid && deps.webhookSecretRefused && (await deps.webhookSecretRefused())) valid = await verify(accepted(await deps.webhookSecret()));
    if (!valid) {
      deps.log.warn('webhook signature mismatch', { delivery: c.req.header('x-github-delivery'), trace: traceOf((name) => c.req.header(name)) });
      return refused(sendError(c, 401, 'UNAUTHORIZED', 'X-Hub-Signature-256 does not match the payload'));
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

    const trace = traceOf((name) => c.req.header(name));
    const outcome = await deps.service.handleWebhook({ id, event, payload, ...(trace ? { trace } : {}) });
    const status = outcome.result === 'pong' || outcome.result === 'duplicate' ? 200 : 202;
    return { response: c.json({ delivery: id, ...outcome }, status), result: outcome.result };
  };
}
