import type { Command } from 'commander';
import { loadConfig, DEFAULT_CONFIG_FILE } from '../../config/index.ts';
import { isDriftlessError } from '../../core/errors.ts';
import { formatPlan, formatProgress } from './sync-output.ts';

interface DiffFlags {
  config: string;
  revision?: string;
  json?: boolean;
  quiet?: boolean;
}

export function registerDiff(program: Command): void {
  program
    .command('diff <app>')
    .description('Show what a sync would change (managed fields only, Secret values masked). Exit 0 in sync, 1 differences, 2 error.')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--revision <sha>', 'commit SHA, branch or tag to compare (default: the app\'s branch or revision)')
    .option('--json', 'print the Plan as JSON on stdout')
    .option('--quiet', 'no progress on stderr')
    .action(async (appName: string, flags: DiffFlags) => {
      try {
        const config = await loadConfig(flags.config);
        if (!flags.quiet) for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
        const [{ createRuntime }, { diffApp }] = await Promise.all([import('../../wiring/runtime.ts'), import('../../sync/sync.ts')]);
        const runtime = createRuntime(config, { diskCache: true });
        const app = runtime.app(appName);
        const plan = await diffApp(await runtime.deps(app), app, {
          ...(flags.revision ? { revision: flags.revision } : {}),
          ...(flags.quiet ? {} : { onProgress: (event) => process.stderr.write(formatProgress(event)) }),
        });
        process.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
        process.exitCode = plan.changes.some((c) => c.action !== 'unchanged') || plan.prunes.length > 0 ? 1 : 0;
      } catch (err) {
        if (!isDriftlessError(err)) throw err;
        process.stderr.write(`driftless: ${err.message} [${err.code}]\n`);
        process.exitCode = 2;
      }
    });
}
