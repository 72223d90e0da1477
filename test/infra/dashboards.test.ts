import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emfMetrics, emfNamespace } from '../../src/adapters/metrics-emf/index.ts';
import { PrometheusMetrics } from '../../src/adapters/metrics-prometheus/index.ts';

const root = path.resolve(import.meta.dirname, '../..');

interface Target { refId: string; expr?: string; namespace?: string; metricName?: string; dimensions?: Record<string, string[]> }
interface Panel { id: number; title: string; type: string; targets: Target[] }
interface Variable { name: string; type: string; query?: unknown; hide?: number; refresh?: number }
interface DashboardJson { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: Variable[] } }

/** Read as Grafana does: the file's bytes, parsed. */
const load = (file: string) => JSON.parse(readFileSync(path.join(root, 'infra/grafana', file), 'utf8')) as DashboardJson;
const prometheus = load('driftless-prometheus.json');
const cloudwatch = load('driftless-cloudwatch.json');

// The unions infra/grafana/dashboards.ts cannot check under tsc (JSON imports widen them): VariableType, VariableHide, VariableRefresh.
const variableTypes = ['query', 'adhoc', 'groupby', 'constant', 'datasource', 'interval', 'textbox', 'custom', 'system', 'snapshot', 'switch'];

describe.each([['prometheus', prometheus], ['cloudwatch', cloudwatch]] as const)('the %s dashboard', (_name, dashboard) => {
  it('is importable: unique uid and panel ids, grid positions, variables of known types', () => {
    expect(dashboard.uid).toMatch(/^driftless-/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const variable of dashboard.templating.list) {
      expect(variableTypes).toContain(variable.type);
      if (variable.hide !== undefined) expect([0, 1, 2]).toContain(variable.hide);
      if (variable.refresh !== undefined) expect([0, 1, 2]).toContain(variable.refresh);
    }
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      expect(new Set(panel.targets.map((t) => t.refId)).size, panel.title).toBe(panel.targets.length);
    }
  });
});

describe('panels query what the code exports', () => {
  it('every Prometheus expression names only series of the Prometheus adapter (histograms by _bucket/_sum/_count)', () => {
    const exported = new Set(PrometheusMetrics.metricNames());
    const used = new Set<string>();
    for (const panel of prometheus.panels) {
      for (const target of panel.targets) {
        const names = target.expr?.match(/\bdriftless_[a-z_]+/g) ?? [];
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) {
          const base = exported.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
          expect(exported, `${panel.title} queries ${name}`).toContain(base);
          used.add(base);
        }
      }
    }
    // The dashboard shows every series but app_info, which feeds the app variable.
    const variableQueries = JSON.stringify(prometheus.templating.list);
    for (const name of exported) expect(used.has(name) || variableQueries.includes(name), `${name} is on no panel`).toBe(true);
  });

  it('every CloudWatch query names an EMF metric of the adapter with its dimensions, or the DLQ depth', () => {
    const namespace = variableQuery(cloudwatch, 'namespace');
    expect(namespace).toBe(emfNamespace);
    const used = new Set<string>();
    let dlq = 0;
    for (const panel of cloudwatch.panels) {
      for (const target of panel.targets) {
        if (target.namespace === 'AWS/SQS') {
          expect(target.metricName).toBe('ApproximateNumberOfMessagesVisible');
          expect(Object.keys(target.dimensions ?? {})).toEqual(['QueueName']);
          dlq++;
          continue;
        }
        expect(target.namespace, panel.title).toBe('$namespace');
        const name = target.metricName as keyof typeof emfMetrics;
        expect(Object.keys(emfMetrics), panel.title).toContain(name);
        expect(Object.keys(target.dimensions ?? {}).sort(), `${panel.title}: ${name}`).toEqual([...emfMetrics[name], 'service'].sort());
        used.add(name);
      }
    }
    expect(dlq).toBe(1);
    expect([...used].sort()).toEqual(Object.keys(emfMetrics).sort());
  });
});

function variableQuery(dashboard: DashboardJson, name: string): unknown {
  return dashboard.templating.list.find((v) => v.name === name)?.query;
}
