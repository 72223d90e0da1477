import { describe, expect, it } from 'vitest';
import { statusError } from '../../src/adapters/kubernetes/errors.ts';
import { retryingCluster } from '../../src/apply/retrying.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { syncApp } from '../../src/sync/sync.ts';
import { appConfig, Fake } from './fixtures.ts';

/** What a real API server answers a server-side apply whose body does not fit its schema (kubernetes#122480). */
const typedPatch500 = () => statusError(500, { kind: 'Status', code: 500, message: 'failed to create typed patch object (shop/w1; example.com/v1, Kind=Widget): .spec.size: expected numeric (int or float), got string' }, {}, 'apply', 'memory://cluster');

function crd(sizeType: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: sizeType } } } } } } }],
    },
  };
}

const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 'big' } };

/** A cluster that serves Widgets already, in an existing namespace (so objects get dry-run, not schema-checked). */
function setup(): { fake: Fake; widgetApplies: { dryRun: number; real: number } } {
  const fake = new Fake();
  fake.cluster.types.push({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });
  fake.cluster.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, 'kube-apiserver');
  const widgetApplies = { dryRun: 0, real: 0 };
  return { fake, widgetApplies };
}

describe('a body that does not fit the server schema (500 "failed to create typed patch object")', () => {
  it('fails at preflight naming the file, writes nothing and is not retried', async () => {
    const { fake, widgetApplies } = setup();
    fake.cluster.failApply = (object, options) => {
      if (object.kind !== 'Widget') return undefined;
      widgetApplies[options.dryRun ? 'dryRun' : 'real']++;
      return typedPatch500();
    };
    fake.set([widget]);
    const deps = { ...fake.deps(), cluster: retryingCluster(fake.cluster, { policy: { attempts: 5, baseMs: 1, maxMs: 2 }, sleep: async () => {} }) };
    const result = await syncApp(deps, appConfig());
    expect(result.status).toBe('Failed');
    expect(result.errors[0]).toMatchObject({ code: 'PREFLIGHT_FAILED', file: 'app/widget-w1.yaml' });
    expect(result.errors[0]!.message).toContain('app/widget-w1.yaml:1: failed to create typed patch object');
    expect(widgetApplies).toEqual({ dryRun: 1, real: 0 });
    expect(result.errors[0]!.transient).toBeUndefined();
    expect(fake.cluster.counters.writes).toBe(0);
    expect(fake.cluster.find('Widget', 'w1', 'shop')).toBeUndefined();
  });

  it('is retried (bounded) when this same sync changed the CRD serving the kind, and then succeeds', async () => {
    const { fake, widgetApplies } = setup();
    fake.cluster.seed(crd('integer'), 'driftless');
    // The server judges by the old schema until the CRD change has reached it: dry run and two applies fail.
    fake.cluster.failApply = (object, options) => {
      if (object.kind !== 'Widget') return undefined;
      const n = ++widgetApplies[options.dryRun ? 'dryRun' : 'real'];
      return options.dryRun || n <= 2 ? typedPatch500() : undefined;
    };
    fake.set([crd('string'), { ...widget, spec: { size: 'big' } }]);
    const slept: number[] = [];
    const deps = { ...fake.deps(), sleep: async (ms: number) => void slept.push(ms) };
    const result = await syncApp(deps, appConfig({ allow: { namespaces: ['shop'], kinds: ['*'], clusterScoped: true } }));
    expect(result.errors).toEqual([]);
    expect(result.status).toBe('Synced');
    expect(widgetApplies).toEqual({ dryRun: 1, real: 3 });
    expect(slept.filter((ms) => ms === 1000)).toHaveLength(2);
    expect(fake.cluster.find('Widget', 'w1', 'shop')).toBeDefined();
  });

  it('gives up after the bounded retries, naming the file, and does not prune', async () => {
    const { fake, widgetApplies } = setup();
    fake.cluster.seed(crd('integer'), 'driftless');
    fake.cluster.failApply = (object, options) => {
      if (object.kind !== 'Widget') return undefined;
      widgetApplies[options.dryRun ? 'dryRun' : 'real']++;
      return typedPatch500();
    };
    fake.set([crd('string'), widget]);
    const result = await syncApp(fake.deps(), appConfig({ allow: { namespaces: ['shop'], kinds: ['*'], clusterScoped: true } }));
    expect(result.status).toBe('Failed');
    expect(result.errors[0]).toMatchObject({ code: 'APPLY_FAILED', file: 'app/widget-w1.yaml' });
    expect(widgetApplies.real).toBe(6);
  });
});
