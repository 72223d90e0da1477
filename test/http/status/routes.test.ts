import { describe, expect, it } from 'vitest';
import { api, harness, tokens, type Harness } from '../../support/service-harness.ts';

const sha = 'a'.repeat(40);

async function synced(h: Harness): Promise<void> {
  await h.service.requestSync('staging', {}, 'alice');
  await h.queue.idle();
}

const page = (h: Harness, path = '/', headers: Record<string, string> = {}) => h.app.request(path, { headers });

async function signIn(h: Harness, token = tokens[0]!): Promise<{ cookie: string; setCookie: string; response: Response }> {
  const response = await h.app.request('/signin', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
  const setCookies = response.headers.getSetCookie();
  // What a browser sends back: every cookie set, name=value only.
  return { cookie: setCookies.map((c) => c.split(';')[0]!).join('; '), setCookie: setCookies.join('\n'), response };
}

const csrfOf = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('status page: what anonymous visitors see', () => {
  it('app names with sync, health and drift only: no revision, objects, syncs, notifications or sync button', async () => {
    const h = harness();
    await synced(h);
    const res = await page(h);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/^<!DOCTYPE html><html lang="en">/);
    expect(html).toContain('staging');
    expect(html).toContain('production');
    expect(html).toMatch(/<span class="badge good">Synced<\/span>/);
    expect(html).toMatch(/<span class="badge good">Healthy<\/span>/);
    for (const secret of [sha.slice(0, 7), 'Last syncs', 'Notifications', 'alice', 'name="csrf"', 'Objects not healthy', 'Revision']) expect(html).not.toContain(secret);
    expect(html).toContain('<label for="token">API token</label>');
    // The fragment behind the auto-refresh keeps the same rule.
    const fragment = await (await page(h, '/status/apps')).text();
    expect(fragment).toContain('<table id="apps-table">');
    expect(fragment).not.toContain(sha.slice(0, 7));
  });

  it('publicRead shows the details, still without a sync button', async () => {
    const h = harness({ http: { publicRead: true } });
    await synced(h);
    const html = await (await page(h)).text();
    expect(html).toContain(`https://github.com/acme/gitops/commit/${sha}`);
    expect(html).toContain('Last syncs');
    expect(html).not.toContain('name="csrf"');
  });

  it('publicRead does not show notification deliveries: GET /notifications needs a token even then', async () => {
    const h = harness({ http: { publicRead: true } });
    await synced(h);
    await h.store.putNotification({ id: 'n1', event: 'sync-failed', app: 'staging', sink: { index: 0, kind: 'slack' }, state: 'failed', attempts: 5, at: '2026-01-01T00:00:00.000Z', error: 'connection failed (ECONNREFUSED)' });
    const anonymous = await (await page(h)).text();
    expect(anonymous).toContain('Last syncs');
    expect(anonymous).not.toContain('ECONNREFUSED');
    expect(anonymous).not.toContain('Last deliveries');
    const { cookie } = await signIn(h);
    const signedIn = await (await page(h, '/', { cookie })).text();
    expect(signedIn).toContain('Last deliveries');
    expect(signedIn).toContain('ECONNREFUSED');
  });

  it('shows no text of the query but a configured app name and the known messages', async () => {
    const h = harness();
    const spoof = 'Your token expired: sign in at https://evil.example.com';
    const html = await (await page(h, `/?synced=${encodeURIComponent(spoof)}`)).text();
    expect(html).not.toContain('evil.example.com');
    expect(html).not.toContain('role="status"');
    expect(await (await page(h, '/?synced=staging')).text()).toContain('Sync of staging queued.');
    for (const m of ['__proto__', 'constructor', 'toString']) expect(await (await page(h, `/?m=${m}`)).text()).not.toContain('role="status"');
    expect(await (await page(h, '/?m=bad-token')).text()).toContain('That API token is not valid.');
  });

  it('escapes what comes from Git, the cluster and the store, in text and in attributes', async () => {
    const h = harness();
    const evil = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
    await h.store.updateAppStatus('staging', { status: 'Failed', revision: { ref: `main${evil}`, sha: `${'b'.repeat(40)}${evil}` }, message: evil, lastSyncId: 's1', lastSyncAt: '2026-01-01T00:00:00.000Z' });
    await h.store.putSync({ id: 's1', app: 'staging', trigger: { kind: 'manual', actor: evil }, dryRun: false, state: 'failed', queuedAt: '2026-01-01T00:00:00.000Z', reason: evil, error: { code: 'APPLY_FAILED', message: evil } });
    await h.store.putNotification({ id: 'n1', event: 'sync-failed', app: 'staging', sink: { index: 0, kind: 'slack' }, state: 'failed', attempts: 1, at: '2026-01-01T00:00:00.000Z', error: evil });
    const { cookie } = await signIn(h);
    const html = await (await page(h, '/', { cookie })).text();
    // The message, the sync's reason and error, its actor, the delivery's error, the revision's ref: all there, all inert.
    expect(html.split('&lt;script&gt;alert(2)&lt;/script&gt;').length - 1).toBeGreaterThanOrEqual(5);
    expect(html).not.toContain('<script>alert(2)');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/href="(?!#|https:\/\/github\.com\/)/);
    expect(html).not.toContain('javascript:');
  });

  it('is served with a nonce-based CSP and no caching', async () => {
    const h = harness();
    const res = await page(h);
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain(`<script nonce="${nonce}">`);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('status page: signing in and syncing', () => {
  it('a valid token sets an HttpOnly, SameSite=Strict cookie (Secure over https); a wrong one sets none', async () => {
    const h = harness();
    const bad = await signIn(h, 'nope');
    expect(bad.response.status).toBe(303);
    expect(bad.setCookie).toBe('');
    expect(bad.response.headers.get('location')).toBe('./?m=bad-token');
    const { setCookie, response } = await signIn(h);
    expect(response.status).toBe(303);
    const cookies = setCookie.split('\n');
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['driftless_session', 'driftless_csrf']);
    for (const c of cookies) {
      expect(c).toMatch(/HttpOnly/);
      expect(c).toMatch(/SameSite=Strict/);
      expect(c).not.toMatch(/Secure/);
    }
    const https = await h.app.request('https://driftless.example.com/signin', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${tokens[0]}` });
    expect(https.headers.get('set-cookie')).toMatch(/; Secure/);
    // The token is never echoed into the page.
    const html = await (await page(h, '/', { cookie: `driftless_session=${tokens[0]}; driftless_csrf=c` })).text();
    expect(html).not.toContain(tokens[0]);
    expect(html).toContain('Signed in (token#1)');
    // The CSRF token is random per sign-in: nothing derived from the API token reaches the page.
    const again = await signIn(h);
    expect(again.cookie.split('; ')[1]).not.toBe((await signIn(h)).cookie.split('; ')[1]);
  });

  it('signed in: details and a sync button whose form posts through the manual sync path', async () => {
    const h = harness();
    await synced(h);
    const { cookie } = await signIn(h);
    const html = await (await page(h, '/', { cookie })).text();
    expect(html).toContain(`href="https://github.com/acme/gitops/commit/${sha}"`);
    expect(html).toContain('manual (alice)');
    expect(html).toContain('action="status/apps/staging/sync"');
    const csrf = csrfOf(html);
    expect(csrf.length).toBeGreaterThan(20);
    const res = await h.app.request('/status/apps/staging/sync', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf }).toString() });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('../../../?synced=staging#app-staging');
    await h.queue.idle();
    const [latest] = await h.store.listSyncs({ app: 'staging', limit: 1 });
    expect(latest).toMatchObject({ trigger: { kind: 'manual', actor: 'token#1' }, state: 'succeeded' });
  });

  it('refuses a sync without a session, without or with a wrong CSRF token, or from another origin', async () => {
    const h = harness();
    const { cookie } = await signIn(h);
    const csrf = csrfOf(await (await page(h, '/', { cookie })).text());
    const post = (headers: Record<string, string>, body: string) => h.app.request('/status/apps/staging/sync', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    expect((await post({}, `csrf=${csrf}`)).status).toBe(401);
    expect((await post({ cookie }, '')).status).toBe(403);
    expect((await post({ cookie }, `csrf=${csrf}x`)).status).toBe(403);
    // The CSRF token of another session (token) does not work for this one.
    const other = csrfOf(await (await page(h, '/', { cookie: (await signIn(h, tokens[1]!)).cookie })).text());
    expect(other).not.toBe(csrf);
    expect((await post({ cookie }, `csrf=${other}`)).status).toBe(403);
    expect((await post({ cookie, origin: 'https://evil.example.com', host: 'localhost' }, `csrf=${csrf}`)).status).toBe(403);
    expect(await h.store.listSyncs({ app: 'staging' })).toEqual([]);
  });

  it('GET /notifications needs a token, even with publicRead', async () => {
    const h = harness({ http: { publicRead: true } });
    expect((await api(h, 'GET', '/notifications', { token: null })).status).toBe(401);
    await h.store.putNotification({ id: 'n1', event: 'sync-failed', app: 'staging', sink: { index: 0, kind: 'slack' }, state: 'failed', attempts: 5, at: '2026-01-01T00:00:00.000Z', error: 'HTTP 503' });
    const res = await api(h, 'GET', '/notifications?app=staging&limit=5');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ notifications: [expect.objectContaining({ id: 'n1', state: 'failed', error: 'HTTP 503' })] });
    expect((await api(h, 'GET', '/notifications?limit=0')).status).toBe(400);
  });
});
