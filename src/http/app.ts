import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { DriftlessError } from '../core/errors.ts';
import { silentLogger, type Logger } from '../service/engine.ts';
import { isRevisionLike, parseManualSyncBody } from '../service/manual.ts';
import type { DriftlessService } from '../service/service.ts';
import type { SyncRecord } from '../ports/state.ts';
import { authenticate } from './auth.ts';
import { readBodyText } from './body.ts';
import { errorBody, respondToError } from './errors.ts';
import { registerStatusPage } from './status/routes.tsx';
import { webhookHandler } from './webhook.ts';

export interface HttpDeps {
  service: DriftlessService;
  /** Resolved lazily (and may be cached by the caller): the webhook secret's value, or every value accepted while it rotates. */
  webhookSecret: () => Promise<string | readonly string[] | undefined>;
  /** No accepted value matched a signature: re-read the secret; true when it changed (check once more). */
  webhookSecretRefused?: () => Promise<boolean>;
  /** The API tokens (server.apiTokens split on commas). */
  apiTokens: () => Promise<string[]>;
  /** Read endpoints without a token (server.publicRead). */
  publicRead: boolean;
  log?: Logger;
  /** GET /metrics: the exposition text (serve's Prometheus registry); absent, no route. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** GET /metrics without a token (server.publicMetrics). */
  publicMetrics?: boolean;
  /** Runs when each request has its response (the Lambda function writes its EMF metrics here). */
  afterRequest?: () => void;
  maxBodyBytes?: number;
  /** Webhook body bytes read at once (default 4 × maxBodyBytes); past it, 503 with Retry-After. */
  maxBodyBytesInFlight?: number;
  /** Set where syncs and diffs run in another process (Lambda): see RemoteJobs. Absent: `serve`. */
  remoteJobs?: RemoteJobs;
}

/**
 * The Lambda http function neither syncs nor renders: a diff is a dry run the worker runs, and
 * `?wait=true` reads the store (no in-process waiter is ever woken there) for at most `waitMs`,
 * then answers 202 with the sync's Location. HTTP APIs stop waiting at 30 s.
 */
export interface RemoteJobs {
  waitMs: number;
  /** Between reads of the store (default 500 ms). */
  pollMs?: number;
  /** A stored dry run answers a diff for this long (default 5 minutes), unless the app synced since. */
  diffMaxAgeMs?: number;
}

type Env = { Variables: { actor: string } };

/** The HTTP API, shared by `driftless serve` and the Lambda handler. */
export function createApp(deps: HttpDeps): Hono<Env> {
  const log = deps.log ?? silentLogger;
  const app = new Hono<Env>();
  const service = deps.service;

  const requireToken = (optional: boolean): MiddlewareHandler<Env> => async (c, next) => {
    if (optional) {
      c.set('actor', 'anonymous');
      return next();
    }
    const actor = authenticate(c.req.header('authorization'), await deps.apiTokens());
    if (!actor) return c.json(errorBody('UNAUTHORIZED', 'missing or unknown API token (Authorization: Bearer <token>)'), 401);
    c.set('actor', actor);
    return next();
  };
  const read = requireToken(deps.publicRead);
  const write = requireToken(false);
  // A diff renders the repository and dry-runs against the cluster: never anonymous, even with publicRead.
  const expensive = requireToken(false);

  app.onError((err, c) => respondToError(c, err, log));
  const afterRequest = deps.afterRequest;
  if (afterRequest) {
    app.use('*', async (_c, next) => {
      try {
        await next();
      } finally {
        afterRequest();
      }
    });
  }
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404));

  app.get('/healthz', async (c) => {
    const health = await service.health();
    if (health.ok) return c.json({ ok: true });
    log.warn('unhealthy', { reason: health.reason });
    c.header('retry-after', '5');
    // Probes are anonymous; the store's own error (paths, account ids, role ARNs) is for token holders.
    const detailed = authenticate(c.req.header('authorization'), await deps.apiTokens()) !== undefined;
    const reason = detailed ? health.reason : 'the state store is unavailable (the reason is in the server log, and in this answer with an API token)';
    return c.json({ ok: false, reason, ...errorBody('STATE_UNAVAILABLE', reason) }, 503);
  });
  app.post('/webhooks/github', webhookHandler({
    service, webhookSecret: deps.webhookSecret, log,
    ...(deps.webhookSecretRefused ? { webhookSecretRefused: deps.webhookSecretRefused } : {}),
    ...(deps.maxBodyBytes !== undefined ? { maxBodyBytes: deps.maxBodyBytes } : {}),
    ...(deps.maxBodyBytesInFlight !== undefined ? { maxBodyBytesInFlight: deps.maxBodyBytesInFlight } : {}),
  }));

  const metrics = deps.metrics;
  if (metrics) {
    app.get('/metrics', requireToken(deps.publicMetrics === true), async (c) => {
      const { contentType, body } = await metrics();
      return c.body(body, 200, { 'content-type': contentType });
    });
  }

  app.get('/apps', read, async (c) => c.json({ apps: await service.listApps() }));
  app.get('/apps/:app', read, async (c) => c.json(await service.getApp(c.req.param('app'))));
  const remote = deps.remoteJobs;
  /** 202 with where to look, the answer for a sync still queued or running. */
  const accepted = (c: Context<Env>, record: SyncRecord): Response => {
    c.header('location', `/syncs/${record.id}`);
    return c.json({ id: record.id, app: record.app, state: record.state, location: `/syncs/${record.id}` }, 202);
  };
  /** `?wait=true` where the sync runs elsewhere: the finished record's result, or 202 when time is up. */
  const awaitRemote = async (c: Context<Env>, jobs: RemoteJobs, record: SyncRecord): Promise<Response> => {
    const final = await service.pollSync(record.id, jobs.waitMs, jobs.pollMs);
    return final ? c.json(final.result ?? final, 200) : accepted(c, record);
  };

  app.get('/apps/:app/diff', expensive, async (c) => {
    const revision = c.req.query('revision') || undefined;
    if (revision !== undefined && !isRevisionLike(revision)) throw new DriftlessError('BAD_REQUEST', 'query parameter "revision" must be a commit SHA, branch or tag name', { field: 'revision' });
    if (!remote) return c.json(await service.diff(c.req.param('app'), revision));
    const job = await service.requestDiff(c.req.param('app'), revision, c.get('actor'), remote.diffMaxAgeMs ?? 5 * 60_000);
    if (job.state === 'stored') return c.json(job.record.result ?? job.record, 200);
    return c.req.query('wait') === 'true' ? awaitRemote(c, remote, job.record) : accepted(c, job.record);
  });
  app.get('/drift', read, async (c) => c.json({ reports: await service.listDrift() }));
  app.get('/apps/:app/drift', read, async (c) => {
    const raw = c.req.query('limit');
    const limit = raw === undefined ? 20 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new DriftlessError('BAD_REQUEST', 'query parameter "limit" must be a whole number from 1 to 100', { field: 'limit' });
    return c.json(await service.getAppDrift(c.req.param('app'), limit));
  });
  // Which sinks failed and why is operational detail: a token even with publicRead.
  app.get('/notifications', write, async (c) => {
    const raw = c.req.query('limit');
    const limit = raw === undefined ? 50 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new DriftlessError('BAD_REQUEST', 'query parameter "limit" must be a whole number from 1 to 500', { field: 'limit' });
    const appName = c.req.query('app') || undefined;
    return c.json({ notifications: await service.listNotifications({ limit, ...(appName ? { app: appName } : {}) }) });
  });
  app.get('/syncs/:id', read, async (c) => c.json(await service.getSync(c.req.param('id'))));

  app.post('/apps/:app/sync', write, async (c) => {
    const body = parseManualSyncBody(await readJson(c));
    const record = await service.requestSync(c.req.param('app'), body, c.get('actor'));
    if (c.req.query('wait') !== 'true') return c.json({ id: record.id, app: record.app, state: record.state, location: `/syncs/${record.id}` }, 202);
    if (remote) return awaitRemote(c, remote, record);
    const final = await service.waitForSync(record.id);
    return c.json(final.result ?? final, 200);
  });
  registerStatusPage(app, { service, apiTokens: deps.apiTokens, publicRead: deps.publicRead, log });
  app.post('/apps/:app/unpin', write, async (c) => c.json(await service.unpin(c.req.param('app'), c.get('actor'))));

  return app;
}

/** An empty body is `{}`; anything else must be JSON. */
async function readJson(c: Context<Env>): Promise<unknown> {
  const text = await readBodyText(c.req.raw, 1024 * 1024);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DriftlessError('BAD_REQUEST', 'body is not valid JSON', { field: '(body)' });
  }
}
