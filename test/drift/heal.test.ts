import { describe, expect, it } from 'vitest';
import { decideHeal, driftedFields, fightingManagers } from '../../src/drift/heal.ts';
import { driftReport, replicasDrift, syncedSha } from '../support/drift-reports.ts';

const now = new Date('2026-03-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
const base = { selfHeal: true, syncInFlight: false, now };

describe('decideHeal', () => {
  it('heals confirmed drift with the revision last synced, recording the heal', () => {
    const decision = decideHeal({ ...base, report: driftReport('web', 'OutOfSync', { pending: 'c'.repeat(40) }) });
    expect(decision).toEqual({ action: 'heal', revision: { ref: 'main', sha: syncedSha }, state: { recent: [now.toISOString()] } });
  });

  it('does nothing for Synced, Unknown or apps without selfHeal; skips untrusted revisions and syncs in flight', () => {
    expect(decideHeal({ ...base, report: driftReport('web', 'Synced') })).toEqual({ action: 'none' });
    expect(decideHeal({ ...base, report: driftReport('web', 'Unknown') })).toEqual({ action: 'none' });
    expect(decideHeal({ ...base, selfHeal: false, report: driftReport('web', 'OutOfSync') })).toEqual({ action: 'none' });
    const untrusted = driftReport('web', 'OutOfSync');
    delete untrusted.revision;
    expect(decideHeal({ ...base, report: untrusted })).toMatchObject({ action: 'skip', reason: expect.stringContaining('not known') });
    expect(decideHeal({ ...base, syncInFlight: true, report: driftReport('web', 'OutOfSync') })).toMatchObject({ action: 'skip', reason: expect.stringContaining('already queued') });
  });

  it('after 3 heals within an hour it suspends, naming the field managers and the fields', () => {
    const report = driftReport('web', 'OutOfSync', {
      objects: [replicasDrift('hpa-controller'), { ...replicasDrift('kubectl-edit', 'shop', 'api'), fields: [{ path: '/spec/template/spec/containers/0/image', desired: 'a', live: 'b', manager: 'kubectl-edit' }] }, { ref: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'settings' }, state: 'missing', fields: [] }],
    });
    const decision = decideHeal({ ...base, report, state: { recent: [minutesAgo(50), minutesAgo(30), minutesAgo(5)] } });
    expect(decision.action).toBe('suspend');
    if (decision.action !== 'suspend') return;
    expect(decision.suspension.managers).toEqual(['hpa-controller', 'kubectl-edit']);
    expect(decision.suspension.fields).toEqual(['Deployment shop/web /spec/replicas', 'Deployment shop/api /spec/template/spec/containers/0/image', 'ConfigMap shop/settings (deleted)']);
    expect(decision.suspension.message).toMatch(/keeps fighting Git.*3 heals within 60 minutes.*hpa-controller, kubectl-edit changed Deployment shop\/web \/spec\/replicas/);
    expect(decision.state.suspended).toBe(decision.suspension);
    // While suspended, every report says so and nothing heals.
    expect(decideHeal({ ...base, report, state: decision.state })).toEqual({ action: 'suspend', suspension: decision.suspension, state: decision.state });
  });

  it('never heals only extras of an app that does not prune (the sync would leave them; no heal would count towards a suspension)', () => {
    const extra = { ref: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'old' }, state: 'extra' as const, fields: [] };
    const report = driftReport('web', 'OutOfSync', { objects: [extra] });
    expect(decideHeal({ ...base, prunes: false, report })).toMatchObject({ action: 'skip', reason: expect.stringContaining('prune: false') });
    expect(decideHeal({ ...base, prunes: true, report }).action).toBe('heal');
    expect(decideHeal({ ...base, prunes: false, report: driftReport('web', 'OutOfSync', { objects: [extra, replicasDrift()] }) }).action).toBe('heal');
  });

  it('heals older than the window do not count', () => {
    const decision = decideHeal({ ...base, report: driftReport('web', 'OutOfSync'), state: { recent: [minutesAgo(90), minutesAgo(61), minutesAgo(10)] } });
    expect(decision).toMatchObject({ action: 'heal', state: { recent: [minutesAgo(10), now.toISOString()] } });
  });

  it('lists fields and managers of every drifted object', () => {
    const objects = [replicasDrift('b'), replicasDrift('a'), { ref: { group: '', kind: 'Secret', name: 'x', namespace: 'ns' }, state: 'extra' as const, fields: [] }];
    expect(fightingManagers(objects)).toEqual(['a', 'b']);
    expect(driftedFields(objects)[2]).toBe('Secret ns/x (no longer in Git, not pruned)');
  });
});
