import { randomUUID } from 'node:crypto';
import type { NotificationConfig } from '../../config/types.ts';
import { NOTIFICATION_URL_PATTERN } from '../../config/schema.ts';
import { isDriftlessError } from '../../core/errors.ts';
import { classify, withRetry, type RetryPolicy } from '../../core/retry.ts';
import type { NotificationEvent, Notifier } from '../../ports/notifier.ts';
import { describeSecretRef, type SecretResolver } from '../../ports/secrets.ts';
import type { NotificationRecord, StateStore } from '../../ports/state.ts';
import type { Logger } from '../../service/engine.ts';
import { slackMessage, teamsMessage, webhookMessage, type MessageOptions } from './messages.ts';
import { signWebhook } from './sign.ts';

/**
 * The Notifier over the configured sinks: plain webhooks POSTed with Node's fetch (Slack,
 * Teams Workflows and generic receivers have no client library to speak of). Each event goes to
 * every sink whose filters match, in the background; transient failures are retried through
 * src/core/retry.ts (Retry-After honoured), and every delivery's outcome lands in the audit log.
 */

export interface DispatcherOptions {
  sinks: NotificationConfig[];
  secrets: SecretResolver;
  /** The audit log; a store without putNotification leaves deliveries in the log only. */
  store?: Pick<StateStore, 'putNotification'>;
  log: Logger;
  publicUrl?: string;
  fetch?: typeof fetch;
  policy?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** One request's time limit (default 10 s). */
  timeoutMs?: number;
}

export interface NotificationDispatcher extends Notifier {
  /** Resolves once every delivery accepted so far has ended (tests, shutdown). */
  idle(): Promise<void>;
}

/** Long enough to ride out a Slack or Teams hiccup, short enough not to pile up behind a dead sink. */
export const notificationRetryPolicy: RetryPolicy = { attempts: 5, baseMs: 500, maxMs: 30_000, maxWaitMs: 60_000 };

const urlPattern = new RegExp(NOTIFICATION_URL_PATTERN);

/** A non-2xx answer, shaped so that classify() reads its status and Retry-After. */
class SinkResponseError extends Error {
  constructor(readonly status: number, readonly headers: Record<string, string>) {
    super(`HTTP ${status}`);
  }
}

/** A sink driftless will not call (a URL from a secret that is not https). */
class RefusedSink extends Error {}

/**
 * Says why without the URL: a network error's message names host and port, which may come from a
 * secret. Our own errors (a refused sink, a secret that cannot be read) name the reference only.
 */
function describeFailure(err: unknown): string {
  if (err instanceof SinkResponseError || err instanceof RefusedSink || isDriftlessError(err)) return err.message;
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return `connection failed (${code})`;
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
    e = (e as { cause?: unknown }).cause;
  }
  return 'request failed';
}

export function matches(sink: NotificationConfig, event: NotificationEvent): boolean {
  return (sink.apps === undefined || sink.apps.includes(event.app)) && (sink.events === undefined || sink.events.includes(event.event));
}

export function createNotificationDispatcher(options: DispatcherOptions): NotificationDispatcher {
  const post = options.fetch ?? fetch;
  const now = () => options.now?.() ?? new Date();
  const messageOptions: MessageOptions = options.publicUrl ? { publicUrl: options.publicUrl } : {};
  const inFlight = new Set<Promise<void>>();

  async function resolveUrl(sink: NotificationConfig): Promise<string> {
    if (typeof sink.url === 'string') return sink.url;
    const url = (await options.secrets.resolve(sink.url)).trim();
    // The schema checked plain URLs; one from a secret is checked here, and named by its reference only.
    if (!urlPattern.test(url)) throw new RefusedSink(`the URL in ${describeSecretRef(sink.url)} is not https (plain http only to a loopback address)`);
    return url;
  }

  async function deliver(sink: NotificationConfig, index: number, event: NotificationEvent, id: string): Promise<void> {
    let attempts = 0;
    let status: number | undefined;
    const record = (state: NotificationRecord['state'], error?: string): NotificationRecord => ({
      id, event: event.event, app: event.app, sink: { index, kind: sink.kind }, state, attempts, at: now().toISOString(),
      ...(status !== undefined ? { status } : {}), ...(error !== undefined ? { error } : {}),
    });
    let result: NotificationRecord;
    try {
      const url = await resolveUrl(sink);
      const key = sink.kind === 'webhook' && sink.secret ? await options.secrets.resolve(sink.secret) : undefined;
      const message = sink.kind === 'slack' ? slackMessage(event, messageOptions) : sink.kind === 'teams' ? teamsMessage(event, messageOptions) : webhookMessage(event, id, messageOptions);
      const body = JSON.stringify(message);
      await withRetry(async () => {
        attempts++;
        const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'driftless' };
        if (sink.kind === 'webhook') {
          // Signed afresh on every attempt: a retry carries its own timestamp.
          const timestamp = Math.floor(now().getTime() / 1000);
          headers['x-driftless-event'] = event.event;
          headers['x-driftless-delivery'] = id;
          headers['x-driftless-timestamp'] = String(timestamp);
          if (key !== undefined) headers['x-driftless-signature'] = signWebhook(key, timestamp, body);
        }
        // Redirects are not followed: a sink that moves must be reconfigured, not chased.
        const response = await post(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
        if (response.status < 200 || response.status >= 300) {
          const retryAfter = response.headers.get('retry-after');
          throw new SinkResponseError(response.status, retryAfter !== null ? { 'retry-after': retryAfter } : {});
        }
      }, {
        policy: options.policy ?? notificationRetryPolicy,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        onRetry: ({ delayMs, error }) => options.log.info('notification retry', { app: event.app, event: event.event, sink: index, kind: sink.kind, delayMs, error: describeFailure(error) }),
      });
      result = record('delivered');
    } catch (err) {
      const error = describeFailure(err);
      result = record('failed', error);
      options.log.warn('notification failed', { app: event.app, event: event.event, sink: index, kind: sink.kind, attempts, error, transient: classify(err).transient });
    }
    try {
      await options.store?.putNotification?.(result);
    } catch (err) {
      options.log.warn('notification not recorded', { app: event.app, sink: index, error: err instanceof Error ? err.message : String(err) });
    }
  }

  return {
    notify(event) {
      const eventId = randomUUID();
      options.sinks.forEach((sink, index) => {
        if (!matches(sink, event)) return;
        const work = deliver(sink, index, event, `${eventId}.${index}`).catch(() => undefined);
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      });
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
