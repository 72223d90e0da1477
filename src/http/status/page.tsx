import { raw } from 'hono/html';
import type { FC, PropsWithChildren } from 'hono/jsx';
import type { NotificationRecord } from '../../ports/state.ts';
import type { AppDetails, AppSummary } from './model.ts';
import { css } from './styles.ts';

/** Server-rendered status page: every part reads without JavaScript; the inline script only refreshes the app table. */

export interface Viewer {
  /** Signed in with an API token: sync buttons, with this CSRF token. */
  session?: { actor: string; csrf: string };
  /** Details shown (signed in, or publicRead). */
  details: boolean;
}

const tone: Record<string, string> = {
  Synced: 'good', Healthy: 'good', delivered: 'good', succeeded: 'good',
  Failed: 'bad', Degraded: 'bad', OutOfSync: 'warn', HealSuspended: 'bad', failed: 'bad', Missing: 'bad',
  Progressing: 'warn', Syncing: 'neutral', Queued: 'neutral', queued: 'neutral', running: 'neutral',
};

export const Badge: FC<{ value: string }> = ({ value }) => <span class={`badge ${tone[value] ?? 'neutral'}`}>{value}</span>;

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

const time = (iso: string | undefined) => (iso ? <time datetime={iso}>{iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time> : '—');

/** The app table: the fragment GET status/apps returns for the auto-refresh too. */
export const AppTable: FC<{ apps: Array<AppSummary | AppDetails>; viewer: Viewer }> = ({ apps, viewer }) => {
  const detailed = (app: AppSummary | AppDetails): app is AppDetails => viewer.details && 'unhealthy' in app;
  return (
    <table id="apps-table">
      <caption>Apps ({apps.length})</caption>
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Sync</th>
          <th scope="col">Health</th>
          <th scope="col">Drift</th>
          {viewer.details && <th scope="col">Revision</th>}
          {viewer.details && <th scope="col">Last sync</th>}
          {viewer.details && <th scope="col">Duration</th>}
          {viewer.session && <th scope="col"><span class="note">Action</span></th>}
        </tr>
      </thead>
      <tbody>
        {apps.map((app) => (
          <tr id={`app-${app.name}`}>
            <th scope="row">{detailed(app) ? <a href={`#details-${app.name}`}>{app.name}</a> : app.name}</th>
            <td><Badge value={app.sync} /></td>
            <td><Badge value={app.health} /></td>
            <td><Badge value={app.drift} /></td>
            {detailed(app) && <td>{app.revision ? (app.revision.url ? <a href={app.revision.url}><code>{app.revision.sha.slice(0, 7)}</code></a> : <code>{app.revision.sha.slice(0, 7)}</code>) : '—'}{app.revision && <span class="note"> {app.revision.ref}</span>}</td>}
            {detailed(app) && <td>{time(app.lastSyncAt)}</td>}
            {detailed(app) && <td>{formatDuration(app.durationMs)}</td>}
            {viewer.session && (
              <td>
                <form method="post" action={`status/apps/${encodeURIComponent(app.name)}/sync`}>
                  <input type="hidden" name="csrf" value={viewer.session.csrf} />
                  <button type="submit" class="secondary" aria-label={`Sync ${app.name}`}>Sync</button>
                </form>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
};

const AppSection: FC<{ app: AppDetails }> = ({ app }) => (
  <section aria-labelledby={`details-${app.name}`}>
    <h3 id={`details-${app.name}`}>{app.name}</h3>
    {app.message && <p class="note">{app.message}</p>}
    {app.pinned && <p class="note">Pinned to <code>{app.pinned}</code>.</p>}
    {app.unhealthy.length === 0
      ? <p class="note">{app.objects === 0 ? 'No objects synced yet.' : app.objects === 1 ? 'The one object of the last sync is healthy.' : `All ${app.objects} objects of the last sync are healthy.`}</p>
      : (
        <table>
          <caption>Objects not healthy</caption>
          <thead><tr><th scope="col">Object</th><th scope="col">State</th><th scope="col">Reason</th></tr></thead>
          <tbody>{app.unhealthy.map((o) => <tr><td><code>{o.object}</code></td><td><Badge value={o.state} /></td><td>{o.reason}</td></tr>)}</tbody>
        </table>
      )}
    {app.recentSyncs.length > 0 && (
      <table>
        <caption>Last syncs</caption>
        <thead><tr><th scope="col">Queued</th><th scope="col">Trigger</th><th scope="col">Result</th><th scope="col">Revision</th><th scope="col">Note</th></tr></thead>
        <tbody>
          {app.recentSyncs.map((s) => (
            <tr><td>{time(s.queuedAt)}</td><td>{s.trigger}</td><td><Badge value={s.state} /></td><td>{s.revision ? <code>{s.revision}</code> : '—'}</td><td>{s.error ?? s.reason ?? ''}</td></tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);

const Deliveries: FC<{ records: NotificationRecord[] }> = ({ records }) => (
  <section aria-labelledby="deliveries">
    <h2 id="deliveries">Notifications</h2>
    {records.length === 0 ? <p class="note">No notifications sent yet.</p> : (
      <table>
        <caption>Last deliveries</caption>
        <thead><tr><th scope="col">At</th><th scope="col">App</th><th scope="col">Event</th><th scope="col">Sink</th><th scope="col">Result</th></tr></thead>
        <tbody>
          {records.map((r) => (
            <tr><td>{time(r.at)}</td><td>{r.app}</td><td>{r.event}</td><td>{r.sink.kind} #{r.sink.index + 1}</td><td><Badge value={r.state} />{r.error && <span class="note"> {r.error}</span>}</td></tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);

const SignIn: FC<{ viewer: Viewer }> = ({ viewer }) => viewer.session
  ? (
    <form method="post" action="signout">
      <span class="who">Signed in ({viewer.session.actor})</span>
      <input type="hidden" name="csrf" value={viewer.session.csrf} />
      <button type="submit" class="secondary">Sign out</button>
    </form>
  )
  : (
    <form method="post" action="signin">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required />
      <button type="submit">Sign in</button>
    </form>
  );

/** Refreshes the app table every 15 s from the fragment; without JavaScript the page is simply static. */
const refreshScript = `(() => {
  const holder = document.getElementById('apps');
  if (!holder || !window.fetch) return;
  setInterval(async () => {
    try {
      const response = await fetch('status/apps', { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (response.ok) holder.innerHTML = await response.text();
    } catch (err) { /* offline: keep what is shown */ }
  }, 15000);
})();`;

const Layout: FC<PropsWithChildren<{ viewer: Viewer; nonce: string }>> = ({ viewer, nonce, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>driftless status</title>
      <style nonce={nonce}>{raw(css)}</style>
    </head>
    <body>
      <a class="skip" href="#main">Skip to content</a>
      <header role="banner">
        <p class="brand">driftless</p>
        <SignIn viewer={viewer} />
      </header>
      <main id="main" role="main">{children}</main>
      <footer role="contentinfo">Git is the source of truth. This page refreshes its app table every 15 seconds when JavaScript is on.</footer>
      <script nonce={nonce}>{raw(refreshScript)}</script>
    </body>
  </html>
);

export const StatusPage: FC<{ apps: Array<AppSummary | AppDetails>; notifications: NotificationRecord[]; viewer: Viewer; nonce: string; flash?: { text: string; error?: boolean } }> = ({ apps, notifications, viewer, nonce, flash }) => (
  <Layout viewer={viewer} nonce={nonce}>
    <h1>Status</h1>
    {flash && <p class={flash.error ? 'flash error' : 'flash'} role="status">{flash.text}</p>}
    <div id="apps"><AppTable apps={apps} viewer={viewer} /></div>
    {!viewer.details && <p class="note">Sign in with an API token to see revisions, objects, syncs and notifications.</p>}
    {viewer.details && !viewer.session && <p class="note">Sign in with an API token to see notification deliveries.</p>}
    {viewer.details && (
      <>
        <h2>Apps in detail</h2>
        {apps.filter((a): a is AppDetails => 'unhealthy' in a).map((app) => <AppSection app={app} />)}
        {viewer.session && <Deliveries records={notifications} />}
      </>
    )}
  </Layout>
);
