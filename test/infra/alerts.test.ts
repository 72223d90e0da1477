import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../src/adapters/metrics-prometheus/index.ts';

const dir = path.resolve(import.meta.dirname, '../../infra/prometheus');

function findPromtool(): string | undefined {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return 'promtool';
  } catch {
    return undefined;
  }
}
const promtool = findPromtool();
const missing = 'promtool not found: install Debian\'s prometheus package (apt-get install --no-install-recommends prometheus) to check the alerting rules; .ci/run does';

function run(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(promtool!, args, { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('infra/prometheus/alerts.yml', () => {
  it('passes promtool check rules', (ctx) => {
    if (!promtool) ctx.skip(missing);
    const { status, output } = run(['check', 'rules', 'alerts.yml']);
    expect(output).toContain('SUCCESS: 8 rules found');
    expect(status).toBe(0);
  });

  it('fires as promtool test rules expects (OutOfSync and Degraded after 15 min, webhook 4xx burst, DLQ not empty)', (ctx) => {
    if (!promtool) ctx.skip(missing);
    const { status, output } = run(['test', 'rules', 'alerts.test.yml']);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('queries only series the code exports, and the DLQ depth of the CloudWatch exporter', () => {
    const exported = new Set(PrometheusMetrics.metricNames());
    const exprs = [...readFileSync(path.join(dir, 'alerts.yml'), 'utf8').matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]!);
    expect(exprs).toHaveLength(8);
    for (const expr of exprs) {
      for (const name of expr.match(/\b(driftless|aws)_[a-z_]+/g) ?? []) {
        if (name.startsWith('aws_')) expect(name).toBe('aws_sqs_approximate_number_of_messages_visible_maximum');
        else expect(exported, expr).toContain(name);
      }
    }
  });
});
