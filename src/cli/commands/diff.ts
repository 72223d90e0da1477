import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../config/defaults.ts';
import { EXIT, exiting } from '../exit.ts';

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
    .action(
      exiting(
        async (appName: string, flags: DiffFlags) => {
          const [{ loadConfig }, { createRuntime }, { diffApp }, { formatPlan, formatProgress }] = await Promise.all([
            import('../../config/load.ts'),
            import('../../wiring/runtime.ts'),
            import('../../sync/sync.ts'),
            import('./sync-output.ts'),
          ]);
          const config = await loadConfig(flags.config);
          if (!flags.quiet) for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
          const runtime = createRuntime(config, { diskCache: true });
          const app = runtime.app(appName);
          const plan = await diffApp(await runtime.deps(app), app, {
            ...(flags.revision ? { revision: flags.revision } : {}),
            ...(flags.quiet ? {} : { onProgress: (event) => process.stderr.write(formatProgress(event)) }),
          });
          process.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
          return plan.changes.some((c) => c.action !== 'unchanged') || plan.prunes.length > 0 ? EXIT.failed : EXIT.ok;
        },
        // 1 means "differences": a diff that could not be computed exits 2, like diff(1) and kubectl diff.
        { failed: 2 },
      ),
    );
}
