import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../src/adapters/state-memory/memory-state.ts';
import { loadConfig } from '../../../src/config/load.ts';
import type { AppConfig } from '../../../src/config/types.ts';
import { createApp } from '../../../src/http/app.ts';
import { listen, type Listener } from '../../../src/http/server.ts';
import { handleDriftReport } from '../../../src/service/drift.ts';
import type { EngineSyncOutcome, EngineSyncRequest } from '../../../src/service/engine.ts';
import { createInProcessService } from '../../../src/wiring/in-process.ts';
import { driftReport } from '../../support/drift-reports.ts';
import { FakeEngine } from '../../support/fake-engine.ts';

/**
 * The status page in a real browser: headless Chromium (Debian's `chromium`, installed by .ci/run)
 * driven by playwright-core, over the quick start's example apps. Compares a screenshot with
 * docs/status-page.png and runs axe-core. Skipped, saying so, where Chromium is not installed.
 * UPDATE_SCREENSHOT=1 rewrites the expected screenshot.
 */

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(executablePath);
if (!haveChromium) console.warn(`status page browser test skipped: no Chromium at ${executablePath} (apt-get install chromium fonts-dejavu-core, or set CHROMIUM_PATH)`);

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const expectedPng = path.join(repoRoot, 'docs/status-page.png');
const token = 'status-page-token-5e1f';
const viewport = { width: 1100, height: 1040 };

/** One app's next sync ends Degraded, with an object that is not healthy. */
class ExampleEngine extends FakeEngine {
  degrade = new Set<string>();
  override async sync(app: AppConfig, request: EngineSyncRequest): Promise<EngineSyncOutcome> {
    const outcome = await super.sync(app, request);
    if (this.degrade.delete(app.name)) {
      const ref = { group: 'apps', kind: 'Deployment', namespace: app.namespace, name: 'web' };
      outcome.result = {
        ...outcome.result, status: 'Degraded', health: 'Degraded',
        objects: [
          { ref, action: 'update', outcome: 'applied', health: 'Degraded', message: 'Deployment does not have minimum availability: 0 of 3 replicas available (ImagePullBackOff)' },
          { ref: { group: '', kind: 'Service', namespace: app.namespace, name: 'web' }, action: 'unchanged', outcome: 'applied', health: 'Healthy' },
        ],
        errors: [{ code: 'HEALTH_FAILED', message: 'Deployment production/web is Degraded: 0 of 3 replicas available' }],
      };
    }
    return outcome;
  }
}

async function exampleServer(): Promise<{ listener: Listener; url: string }> {
  const config = await loadConfig('examples/driftless.yaml', { cwd: repoRoot });
  // A fixed clock that ticks 1.4 s per reading: times and durations on the page are the same on every run.
  let clock = Date.parse('2026-03-02T09:30:00Z');
  const engine = new ExampleEngine();
  engine.refs.set('main', '3f9a1c2be4d5f60718293a4b5c6d7e8f90a1b2c3');
  const store = new MemoryStateStore();
  const { service, queue } = createInProcessService({ config, store, engine, now: () => new Date((clock += 1400)) }, { sleep: async () => {} });
  await service.requestSync('web-staging', {}, 'token#1');
  await queue.idle();
  engine.degrade.add('web-production');
  await service.requestSync('web-production', {}, 'token#1');
  await queue.idle();
  const staging = config.apps.find((a) => a.name === 'web-staging')!;
  await handleDriftReport(service.ctx, staging, driftReport('web-staging', 'OutOfSync', { checkedAt: new Date(clock).toISOString() }));
  await store.putNotification({ id: 'e1.0', event: 'health-degraded', app: 'web-production', sink: { index: 0, kind: 'slack' }, state: 'delivered', attempts: 1, status: 200, at: '2026-03-02T09:30:05.000Z' });
  await store.putNotification({ id: 'e2.1', event: 'drift-opened', app: 'web-staging', sink: { index: 1, kind: 'webhook' }, state: 'failed', attempts: 5, error: 'HTTP 503', at: '2026-03-02T09:30:09.000Z' });
  const app = createApp({ service, webhookSecret: async () => undefined, apiTokens: async () => [token], publicRead: false });
  const listener = await listen(app, { port: 0 });
  return { listener, url: `${listener.url}/` };
}

/**
 * The few browser globals the evaluated functions use (the test is compiled without the DOM
 * library, so that Node code cannot lean on browser types by accident).
 */
interface BrowserGlobals {
  document: {
    activeElement: { textContent: string | null } | null;
    cookie: string;
    createElement(tag: 'canvas'): {
      width: number;
      height: number;
      getContext(kind: '2d'): { drawImage(image: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
    };
  };
  Image: new () => { src: string; naturalWidth: number; naturalHeight: number; decode(): Promise<void> };
  axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }> }> };
}

/** Luminance of a PNG averaged over a grid of cells, decoded by the browser itself (no PNG library needed). */
async function luminanceGrid(page: Page, png: Buffer, columns: number, rows: number): Promise<{ width: number; height: number; cells: number[] }> {
  return page.evaluate(async ({ data, columns, rows }) => {
    const { document, Image } = globalThis as unknown as BrowserGlobals;
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const cells = new Array<number>(columns * rows).fill(0);
    const counts = new Array<number>(columns * rows).fill(0);
    for (let y = 0; y < canvas.height; y++) {
      for (let x = 0; x < canvas.width; x++) {
        const i = (y * canvas.width + x) * 4;
        const cell = Math.min(rows - 1, Math.floor((y * rows) / canvas.height)) * columns + Math.min(columns - 1, Math.floor((x * columns) / canvas.width));
        cells[cell]! += 0.2126 * pixels[i]! + 0.7152 * pixels[i + 1]! + 0.0722 * pixels[i + 2]!;
        counts[cell]! += 1;
      }
    }
    return { width: canvas.width, height: canvas.height, cells: cells.map((sum, i) => sum / counts[i]!) };
  }, { data: png.toString('base64'), columns, rows });
}

describe.skipIf(!haveChromium)('status page in Chromium', () => {
  let browser: Browser;
  let server: { listener: Listener; url: string };

  beforeAll(async () => {
    server = await exampleServer();
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--font-render-hinting=none', '--disable-gpu', '--force-color-profile=srgb'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.listener.stop(1000);
  });

  it('anonymous: app names with their states; no details', async () => {
    const page = await browser.newPage({ viewport });
    await page.goto(server.url);
    const rows = await page.locator('#apps-table tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t')[0])).toEqual(['web-staging', 'web-production']);
    expect(rows[1]).toMatch(/Degraded/);
    expect(await page.content()).not.toContain('ImagePullBackOff');
    await page.close();
  });

  it('readable without JavaScript: the table is in the HTML', async () => {
    const context = await browser.newContext({ viewport, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.url);
    expect(await page.locator('#apps-table tbody tr').count()).toBe(2);
    await context.close();
  });

  it('signed in: matches the expected screenshot, passes axe-core, works by keyboard and refreshes its table', async () => {
    // bypassCSP: axe is injected as a script the page's CSP (rightly) does not allow.
    const context = await browser.newContext({ viewport, bypassCSP: true, deviceScaleFactor: 1, colorScheme: 'light', reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.goto(server.url);
    // Keyboard: the first Tab reaches the skip link, then the token field, where typing and Enter sign in.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.activeElement?.textContent)).toBe('Skip to content');
    await page.getByLabel('API token').focus();
    await page.keyboard.type(token);
    await Promise.all([page.waitForURL(/m=signed-in/), page.keyboard.press('Enter')]);
    await expect.poll(() => page.locator('text=Signed in (token#1)').count()).toBe(1);
    expect(await page.locator('text=ImagePullBackOff').count()).toBe(1);
    expect(await page.locator('button', { hasText: 'Sync' }).count()).toBe(2);

    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'driftless_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // HttpOnly: scripts cannot read it.
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.cookie)).toBe('');

    // The auto-refresh's fragment, fetched as the page's script does.
    const fragment = await page.evaluate(async () => (await fetch('status/apps', { credentials: 'same-origin' })).text());
    expect(fragment).toMatch(/^<table id="apps-table">/);
    expect(fragment).toContain('aria-label="Sync web-production"');

    await page.goto(server.url);
    const shot = await page.screenshot({ clip: { x: 0, y: 0, ...viewport } });
    if (process.env.UPDATE_SCREENSHOT === '1' || !existsSync(expectedPng)) {
      mkdirSync(path.dirname(expectedPng), { recursive: true });
      writeFileSync(expectedPng, shot);
    }
    const expected = readFileSync(expectedPng);
    const columns = 44;
    const rows = 52;
    const [now, then] = [await luminanceGrid(page, shot, columns, rows), await luminanceGrid(page, expected, columns, rows)];
    expect([now.width, now.height]).toEqual([then.width, then.height]);
    const diffs = now.cells.map((v, i) => Math.abs(v - then.cells[i]!));
    // A 25 px cell shifts by ~10 luminance levels when a word's glyphs render a little differently;
    // a moved block, a missing row or a changed colour moves many cells by far more.
    const changed = diffs.filter((d) => d > 12).length;
    expect(changed, `cells differing from docs/status-page.png: ${changed}`).toBeLessThanOrEqual(Math.ceil(diffs.length * 0.01));

    const require = createRequire(import.meta.url);
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const violations = await page.evaluate(async () => {
      const { axe, document } = globalThis as unknown as BrowserGlobals;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    await context.close();
  });
});
