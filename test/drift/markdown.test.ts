import { describe, expect, it } from 'vitest';
import type { DriftReport } from '../../src/core/types.ts';
import { driftMarkdown } from '../../src/drift/markdown.ts';

const sha = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0';
const drifted = (objects: number, checkedAt = '2026-12-02T08:00:00.000Z'): DriftReport => ({
  app: 'shop',
  status: 'OutOfSync',
  revision: { ref: 'main', sha },
  pending: 'f'.repeat(40),
  checkedAt,
  objects: Array.from({ length: objects }, (_, i) => ({
    ref: { group: 'apps', kind: 'Deployment', namespace: 'shop', name: `web-${i}` },
    state: 'modified' as const,
    origin: { file: 'app/web.yaml', line: 3 },
    fields: [{ path: '/spec/replicas', desired: 2, live: 5, manager: 'kubectl' }, { path: '/metadata/labels/tier', desired: 'a|b`c' }],
  })),
});

describe('driftMarkdown', () => {
  it('names the app, status, revision, pending head, each object, field, values and manager', () => {
    const md = driftMarkdown(drifted(1));
    expect(md).toContain('### App `shop`: OutOfSync');
    expect(md).toContain('last synced revision `a1b2c3d4e5f6` (main)');
    expect(md).toContain('`ffffffffffff` is not synced yet (pending)');
    expect(md).toContain('#### `Deployment.apps shop/web-0`: modified in the cluster');
    expect(md).toContain('From `app/web.yaml:3`.');
    expect(md).toContain('| `/spec/replicas` | `2` | `5` | `kubectl` |');
    // Pipes and backticks in values cannot break the table; an absent value says so.
    expect(md).toContain("| `/metadata/labels/tier` | `\"a\\|b'c\"` | _(absent)_ | _(unknown)_ |");
  });

  it('is deterministic: the check time is not part of it', () => {
    expect(driftMarkdown(drifted(2, '2026-12-02T08:00:00.000Z'))).toBe(driftMarkdown(drifted(2, '2026-12-02T09:30:00.000Z')));
  });

  it('stays within maxChars, leaving objects out with a count and the link to the full report', () => {
    const full = driftMarkdown(drifted(50));
    const cut = driftMarkdown(drifted(50), { maxChars: 2000, detailsUrl: 'https://driftless.example/apps/shop/drift' });
    expect(full.length).toBeGreaterThan(2000);
    expect(cut.length).toBeLessThanOrEqual(2001);
    expect(cut).toMatch(/_…and \d+ more objects: see https:\/\/driftless\.example\/apps\/shop\/drift\._\n$/);
    expect(cut).toContain('web-0');
  });

  it('Unknown says why; Synced says so', () => {
    const unknown = driftMarkdown({ app: 'ghost', status: 'Unknown', reason: { code: 'CLUSTER_UNAVAILABLE', message: 'cluster unreachable: connect ECONNREFUSED' }, checkedAt: '', objects: [] });
    expect(unknown).toContain('Drift could not be checked (`CLUSTER_UNAVAILABLE`): cluster unreachable: connect ECONNREFUSED');
    expect(driftMarkdown({ app: 'shop', status: 'Synced', revision: { ref: 'main', sha }, checkedAt: '', objects: [] })).toContain('The cluster holds what driftless last synced.');
  });
});
