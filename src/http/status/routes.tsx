import { randomBytes } from 'node:crypto';
import type { Context, Env, Hono } from 'hono';
import { html } from 'hono/html';
import type { DriftlessService } from '../../service/service.ts';
import type { Logger } from '../../service/engine.ts';
import { authenticate } from '../auth.ts';
import { readBodyText } from '../body.ts';
import { loadModel, loadSummary } from './model.ts';
import { AppTable, StatusPage, type Viewer } from './page.tsx';
import { crossSite, csrfMatches, endSession, readSession, startSession } from './session.ts';

/**
 * The status page at GET /: anonymous visitors see each app's sync, health and drift only;
 * signed-in visitors (or everyone, with publicRead) see revisions, objects, syncs and
 * notifications; signed-in token holders get a sync button (the same service path as
 * POST /apps/{app}/sync), protected by a CSRF token bound to their session.
 */

export interface StatusDeps {
  service: DriftlessService;
  apiTokens: () => Promise<string[]>;
  publicRead: boolean;
  log: Logger;
}

const formLimit = 16 * 1024;

async function readForm(c: Context): Promise<URLSearchParams> {
  return new URLSearchParams(await readBodyText(c.req.raw, formLimit));
}

/** No caching, no framing, scripts and styles only with this response's nonce. */
function secure(c: Context, nonce: string): void {
  c.header('content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`);
  c.header('cache-control', 'no-store');
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'same-origin');
}

const flashes: Record<string, { text: string; error?: boolean }> = {
  'signed-in': { text: 'Signed in.' },
  'signed-out': { text: 'Signed out.' },
  'bad-token': { text: 'That API token is not valid.', error: true },
  'csrf': { text: 'The form expired; please try again.', error: true },
};

export function registerStatusPage<E extends Env>(app: Hono<E>, deps: StatusDeps): void {
  const viewerOf = async (c: Context): Promise<Viewer> => {
    const session = readSession(c, await deps.apiTokens());
    return session ? { session, details: true } : { details: deps.publicRead };
  };
  // Relative, so that the page works under a path prefix (an API Gateway stage): `up` leads back to the page.
  const back = (c: Context, query: string, up = './') => c.redirect(`${up}?${query}`, 303);

  app.get('/', async (c) => {
    const viewer = await viewerOf(c);
    const nonce = randomBytes(16).toString('base64');
    secure(c, nonce);
    const model = viewer.details ? await loadModel(deps.service, { notifications: viewer.session !== undefined }) : { apps: await loadSummary(deps.service), notifications: [] };
    // Anyone can link here with any query: only a configured app's name and the known messages are shown.
    const synced = c.req.query('synced');
    const m = c.req.query('m') ?? '';
    const flash = synced !== undefined && model.apps.some((a) => a.name === synced) ? { text: `Sync of ${synced} queued.` } : Object.hasOwn(flashes, m) ? flashes[m] : undefined;
    return c.html(html`<!DOCTYPE html>${<StatusPage apps={model.apps} notifications={model.notifications} viewer={viewer} nonce={nonce} {...(flash ? { flash } : {})} />}`);
  });

  app.get('/status/apps', async (c) => {
    const viewer = await viewerOf(c);
    secure(c, randomBytes(16).toString('base64'));
    const apps = viewer.details ? (await loadModel(deps.service, { notifications: false })).apps : await loadSummary(deps.service);
    return c.html(<AppTable apps={apps} viewer={viewer} />);
  });

  app.post('/signin', async (c) => {
    if (crossSite(c)) return c.text('cross-site form post refused', 403);
    const token = (await readForm(c)).get('token')?.trim() ?? '';
    const actor = authenticate(`Bearer ${token}`, await deps.apiTokens());
    if (!actor) {
      deps.log.warn('status page sign-in refused');
      return back(c, 'm=bad-token');
    }
    startSession(c, token);
    deps.log.info('status page sign-in', { actor });
    return back(c, 'm=signed-in');
  });

  app.post('/signout', async (c) => {
    if (crossSite(c)) return c.text('cross-site form post refused', 403);
    endSession(c);
    return back(c, 'm=signed-out');
  });

  app.post('/status/apps/:app/sync', async (c) => {
    const session = readSession(c, await deps.apiTokens());
    if (!session) return c.text('sign in first', 401);
    const csrf = (await readForm(c)).get('csrf') ?? undefined;
    if (crossSite(c) || !csrfMatches(session, csrf)) {
      deps.log.warn('status page sync refused: CSRF token missing or wrong', { actor: session.actor });
      return c.text('missing or wrong CSRF token; reload the page and try again', 403);
    }
    const record = await deps.service.requestSync(c.req.param('app'), {}, session.actor);
    return back(c, `synced=${encodeURIComponent(record.app)}#app-${encodeURIComponent(record.app)}`, '../../../');
  });
}
