import { describe, expect, it } from 'vitest';
import { handleDriftReport } from '../../src/service/drift.ts';
import { api, harness } from '../support/service-harness.ts';
import { driftReport } from '../support/drift-reports.ts';
import { appConfig } from '../support/service-fixtures.ts';

const json = async (res: Response) => (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } };

function withReports() {
  const apps = [appConfig('staging', { selfHeal: true }), appConfig('production')];
  const h = harness({ apps });
  const report = async (name: string, status: 'Synced' | 'OutOfSync' | 'Unknown', checkedAt: string) =>
    handleDriftReport(h.service.ctx, apps.find((a) => a.name === name)!, driftReport(name, status, { checkedAt }));
  return { h, report };
}

describe('GET /drift and GET /apps/{app}/drift', () => {
  it('serve the newest report per app, and an app\'s history newest first', async () => {
    const { h, report } = withReports();
    expect(await json(await api(h, 'GET', '/drift'))).toEqual({ reports: [] });
    await report('production', 'Synced', '2026-03-01T10:00:00.000Z');
    await report('production', 'OutOfSync', '2026-03-01T10:10:00.000Z');
    await report('staging', 'Unknown', '2026-03-01T10:10:00.000Z');
    const all = await json(await api(h, 'GET', '/drift'));
    expect((all.reports as Array<{ app: string; status: string }>).map((r) => [r.app, r.status])).toEqual([['production', 'OutOfSync'], ['staging', 'Unknown']]);

    const one = await json(await api(h, 'GET', '/apps/production/drift'));
    expect(one).toMatchObject({ app: 'production', drift: { status: 'OutOfSync', checkedAt: '2026-03-01T10:10:00.000Z', objects: 1 }, latest: { status: 'OutOfSync' } });
    expect((one.history as Array<{ status: string }>).map((r) => r.status)).toEqual(['OutOfSync', 'Synced']);
    expect(((await json(await api(h, 'GET', '/apps/production/drift?limit=1'))).history as unknown[])).toHaveLength(1);
    // The drifted field with its values, as the check reported it.
    expect(one.latest).toMatchObject({ objects: [{ ref: { kind: 'Deployment', name: 'web' }, state: 'modified', fields: [{ path: '/spec/replicas', desired: 2, live: 5, manager: 'kubectl-edit' }] }] });
  });

  it('GET /apps shows each app\'s drift status and when it was last checked; never-checked apps have none', async () => {
    const { h, report } = withReports();
    await report('production', 'OutOfSync', '2026-03-01T10:10:00.000Z');
    const { apps } = (await json(await api(h, 'GET', '/apps'))) as unknown as { apps: Array<{ name: string; drift?: unknown }> };
    expect(apps.find((a) => a.name === 'production')?.drift).toEqual({ status: 'OutOfSync', checkedAt: '2026-03-01T10:10:00.000Z', objects: 1 });
    expect(apps.find((a) => a.name === 'staging')?.drift).toBeUndefined();
    expect((await json(await api(h, 'GET', '/apps/production'))).drift).toMatchObject({ status: 'OutOfSync' });
  });

  it('need a token unless publicRead; 404 for an unknown app; 400 for a bad limit', async () => {
    const { h } = withReports();
    for (const path of ['/drift', '/apps/staging/drift']) expect((await api(h, 'GET', path, { token: null })).status).toBe(401);
    const open = harness({ http: { publicRead: true } });
    for (const path of ['/drift', '/apps/staging/drift']) expect((await api(open, 'GET', path, { token: null })).status).toBe(200);
    const missing = await api(h, 'GET', '/apps/nope/drift');
    expect(missing.status).toBe(404);
    expect((await json(missing)).error?.code).toBe('APP_NOT_FOUND');
    for (const limit of ['0', '101', 'x', '1.5']) {
      const res = await api(h, 'GET', `/apps/staging/drift?limit=${limit}`);
      expect(res.status, limit).toBe(400);
      expect((await json(res)).error?.message).toContain('limit');
    }
  });
});
