import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/types.ts';
import { failedCreate } from '../../src/health/pods.ts';
import { waitForHealth } from '../../src/health/wait.ts';
import type { ClusterClient, ListOptions, ResourceType } from '../../src/ports/cluster.ts';

const stsType: ResourceType = { group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true };
const sts = (ready: number): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'data', uid: 'u-db', generation: 1 },
  spec: { replicas: 1, selector: { matchLabels: { app: 'db' } } },
  status: { observedGeneration: 1, replicas: ready, readyReplicas: ready, currentRevision: 'r1', updateRevision: 'r1' },
});
const event = (message: string, lastTimestamp: string): KubeObject => ({ apiVersion: 'v1', kind: 'Event', metadata: { name: `db.${lastTimestamp}`, namespace: 'data' }, reason: 'FailedCreate', type: 'Warning', message, lastTimestamp });

/** A cluster that serves one StatefulSet, no Pods, and its FailedCreate events; records every LIST. */
function cluster(workload: KubeObject, events: KubeObject[]): { client: ClusterClient; lists: Array<{ kind: string; options?: ListOptions }> } {
  const lists: Array<{ kind: string; options?: ListOptions }> = [];
  const client = {
    get: async () => workload,
    list: async (type: ResourceType, _ns?: string, options?: ListOptions) => {
      lists.push({ kind: type.kind, options });
      return type.kind === 'Event' ? events : [];
    },
  } as unknown as ClusterClient;
  return { client, lists };
}

describe('health of StatefulSets, DaemonSets and Jobs whose Pods are refused', () => {
  it('the latest FailedCreate event of the workload says why, one events LIST per poll after the pods LIST', async () => {
    const refused = 'create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: exceeded quota: pods0, requested: pods=1, used: pods=0, limited: pods=0';
    const { client, lists } = cluster(sts(0), [event('older', '2026-01-01T00:00:00Z'), event(refused, '2026-01-01T00:01:00Z')]);
    let clock = 0;
    const verdicts = await waitForHealth(client, [{ key: 'k', ref: { group: 'apps', kind: 'StatefulSet', namespace: 'data', name: 'db' }, type: stsType, observed: sts(0) }], {
      timeoutMs: 300, pollMs: 100, now: () => clock, sleep: async (ms) => { clock += ms; },
    });
    expect(verdicts.get('k')?.status).toBe('Progressing');
    expect(verdicts.get('k')?.message).toContain(`FailedCreate: ${refused}`);
    const events = lists.filter((l) => l.kind === 'Event');
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBe(lists.filter((l) => l.kind === 'Pod').length);
    expect(events[0]!.options).toEqual({ fieldSelector: 'involvedObject.uid=u-db,reason=FailedCreate' });
  });

  it('a healthy StatefulSet costs no LIST', async () => {
    const { client, lists } = cluster(sts(1), []);
    const verdicts = await waitForHealth(client, [{ key: 'k', ref: { group: 'apps', kind: 'StatefulSet', namespace: 'data', name: 'db' }, type: stsType, observed: sts(1) }], { timeoutMs: 300, pollMs: 100 });
    expect(verdicts.get('k')?.status).toBe('Healthy');
    expect(lists).toEqual([]);
  });

  it('failedCreate ignores other reasons and reads no event as nothing', () => {
    expect(failedCreate([])).toBeUndefined();
    expect(failedCreate([{ ...event('x', '2026-01-01T00:00:00Z'), reason: 'SuccessfulCreate' }])).toBeUndefined();
  });
});
