import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmfMetrics, emfMetrics, emfNamespace } from '../../../src/adapters/metrics-emf/index.ts';
import type { SyncResult } from '../../../src/core/types.ts';

afterEach(() => vi.restoreAllMocks());

interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

function capture(): () => EmfLine[] {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  return () => out.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as EmfLine);
}

const result = (app: string, status: SyncResult['status']): SyncResult => ({
  app, revision: { ref: 'main', sha: 'a'.repeat(40) }, status, startedAt: '', finishedAt: '', dryRun: false, objects: [], pruned: [], displacedManagers: [], health: status === 'Degraded' ? 'Degraded' : 'Healthy', errors: [],
});

describe('EmfMetrics (Lambda)', () => {
  it('writes EMF lines in one namespace; app is a dimension of sync outcome and duration only', () => {
    const lines = capture();
    const m = new EmfMetrics();
    m.syncFinished(result('web', 'Synced'), 2.5);
    m.syncFinished(result('web', 'Synced'), 4);
    m.syncFailed('api', 1);
    m.webhookDelivery('push', 'queued');
    m.githubRequest(200, 4990);
    m.githubRequest(200, 4980);
    m.githubRequest(403, 0);
    m.clusterRequest('prod', 'apply', 201);
    m.clusterRequest('prod', 'get', 404);
    m.driftReported({ app: 'web', status: 'OutOfSync', checkedAt: '', objects: [{ ref: { group: '', kind: 'ConfigMap', name: 'x' }, state: 'modified', fields: [] }] });
    expect(lines()).toEqual([]);
    m.flush();
    const written = lines();
    const by = (name: string) => written.filter((l) => l._aws.CloudWatchMetrics[0]!.Metrics.some((x) => x.Name === name));
    for (const line of written) {
      const directive = line._aws.CloudWatchMetrics[0]!;
      expect(directive.Namespace).toBe(emfNamespace);
      const name = directive.Metrics[0]!.Name as keyof typeof emfMetrics;
      expect(Object.keys(emfMetrics)).toContain(name);
      // The declared dimensions, plus Powertools' constant service dimension.
      expect(directive.Dimensions.flat().sort()).toEqual([...emfMetrics[name], 'service'].sort());
      if (name !== 'SyncCount' && name !== 'SyncDuration') expect(line).not.toHaveProperty('app');
    }
    expect(by('SyncCount').map((l) => [l.app, l.phase, l.SyncCount])).toEqual([['web', 'Succeeded', 2], ['api', 'Failed', 1]]);
    expect(by('SyncDuration').find((l) => l.app === 'web')?.SyncDuration).toEqual([2.5, 4]);
    expect(by('GitHubApiRequests').map((l) => [l.statusClass, l.GitHubApiRequests])).toEqual([['2xx', 2], ['4xx', 1]]);
    expect(by('GitHubRateLimitRemaining')[0]?.GitHubRateLimitRemaining).toBe(0);
    expect(by('ClusterApiRequests').map((l) => l.codeClass)).toEqual(['2xx', '4xx']);
    expect(by('DriftChecks')[0]).toMatchObject({ status: 'OutOfSync', DriftChecks: 1 });
    expect(by('DriftedObjects')[0]?.DriftedObjects).toBe(1);
    m.flush();
    expect(lines()).toHaveLength(written.length);
  });
});
