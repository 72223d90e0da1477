import { describe, expect, it } from 'vitest';
import { summarizeSync, truncateDescription } from '../../../src/adapters/github/summary.ts';
import type { SyncResult } from '../../../src/core/types.ts';

const base: SyncResult = {
  app: 'web', revision: { ref: 'main', sha: 'abc1234def567890abc1234def567890abc12345' }, status: 'Synced', startedAt: '', finishedAt: '', dryRun: false,
  objects: [], pruned: [], displacedManagers: [], health: 'Healthy', errors: [],
};
const obj = (outcome: 'applied' | 'unchanged', name: string) => ({ ref: { group: 'apps', kind: 'Deployment', namespace: 'x', name }, action: outcome === 'applied' ? 'update' as const : 'unchanged' as const, outcome });

describe('summarizeSync', () => {
  it('counts objects, changes and prunes at the short SHA', () => {
    const result = { ...base, objects: [obj('applied', 'a'), obj('applied', 'b'), obj('unchanged', 'c')], pruned: [{ group: '', kind: 'ConfigMap', name: 'old' }] };
    expect(summarizeSync(result)).toBe('Synced 3 objects (2 changed, 1 pruned) at abc1234');
  });
  it('describes dry runs and degraded syncs', () => {
    const dry: SyncResult = { ...base, status: 'DryRun', dryRun: true, objects: [{ ...obj('applied', 'a'), outcome: 'dry-run' }, obj('unchanged', 'b')] };
    expect(summarizeSync(dry)).toBe('Dry run at abc1234: 1 to change, 0 to prune of 2 objects');
    const degraded: SyncResult = { ...base, status: 'Degraded', health: 'Degraded', objects: [{ ...obj('applied', 'a'), health: 'Degraded' }] };
    expect(summarizeSync(degraded)).toBe('Degraded at abc1234: 1 object not healthy');
  });
  it('names the first error and keeps to 140 characters with an ellipsis', () => {
    const result: SyncResult = { ...base, status: 'Failed', errors: [{ code: 'RENDER_FAILED', file: 'apps/web/kustomization.yaml', message: 'x'.repeat(300) }, { code: 'B', message: 'b' }] };
    const text = summarizeSync(result);
    expect(text.startsWith('Failed at abc1234: RENDER_FAILED in apps/web/kustomization.yaml (+1 more): xxx')).toBe(true);
    expect(Array.from(text)).toHaveLength(140);
    expect(text.endsWith('…')).toBe(true);
  });
  it('truncates by code points, never splitting a surrogate pair', () => {
    const text = truncateDescription('😀'.repeat(200));
    expect(Array.from(text)).toHaveLength(140);
    expect(text).toBe(`${'😀'.repeat(139)}…`);
    expect(truncateDescription('short\nline')).toBe('short line');
  });
});
