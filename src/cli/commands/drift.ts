import { Option, type Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../config/defaults.ts';
import type { DriftReport } from '../../core/types.ts';
import { EXIT, driftExitCode, exiting } from '../exit.ts';

interface DriftFlags {
  config: string;
  app?: string[];
  json?: boolean;
  markdown?: boolean;
  quiet?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerDrift(program: Command): void {
  program
    .command('drift')
    .description('Check whether clusters still hold what driftless last synced (no writes). Exit 0 all synced, 1 any drift, 3 some app could not be checked and none drifted, 2 config or usage error.')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--app <name>', 'check this app (repeat for more; default: every app)', collect)
    .addOption(new Option('--json', 'print the reports as JSON (schema: driftless schema --drift-report)').conflicts('markdown'))
    .addOption(new Option('--markdown', 'print each report as Markdown (what the GitHub issue shows)').conflicts('json'))
    .option('--quiet', 'no warnings on stderr')
    .action(
      exiting(
        async (flags: DriftFlags) => {
          const [{ loadConfig }, { createRuntime }, { checkDrift }, { driftJson }, { driftMarkdown }] = await Promise.all([
            import('../../config/load.ts'),
            import('../../wiring/runtime.ts'),
            import('../../drift/check.ts'),
            import('../../drift/json.ts'),
            import('../../drift/markdown.ts'),
          ]);
          const config = await loadConfig(flags.config);
          if (!flags.quiet) for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
          const runtime = createRuntime(config, { diskCache: true });
          // Unknown names are a usage error before anything is checked.
          const apps = flags.app ? [...new Set(flags.app)].map((name) => runtime.app(name)) : config.apps;
          const reports = await checkDrift((app) => runtime.deps(app), apps);
          if (flags.json) process.stdout.write(`${JSON.stringify(driftJson(reports), null, 2)}\n`);
          else if (flags.markdown) process.stdout.write(reports.map((r) => driftMarkdown(r)).join('\n'));
          else process.stdout.write(reports.map(summary).join(''));
          return driftExitCode(reports);
        },
        // 1 means drift: a check that could not run at all is "could not tell".
        { failed: EXIT.unknown },
      ),
    );
}

function summary(report: DriftReport): string {
  const lines = [`${report.app}: ${report.status}${report.revision ? ` at ${report.revision.sha.slice(0, 12)}` : ''}${report.pending ? ` (Git moved on to ${report.pending.slice(0, 12)}: not synced yet)` : ''}`];
  if (report.reason) lines.push(`  ${report.reason.message} [${report.reason.code}]`);
  for (const o of report.objects) {
    const name = `${o.ref.group ? `${o.ref.kind}.${o.ref.group}` : o.ref.kind} ${o.ref.namespace ? `${o.ref.namespace}/` : ''}${o.ref.name}`;
    lines.push(`  ${o.state} ${name}`);
    for (const f of o.fields) lines.push(`    ${f.path}: ${JSON.stringify(f.desired) ?? '(absent)'} → ${JSON.stringify(f.live) ?? '(absent)'}${f.manager ? ` (by ${f.manager})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
