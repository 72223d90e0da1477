import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../config/defaults.ts';
import { exiting, syncExitCode } from '../exit.ts';

interface SyncFlags {
  config: string;
  revision?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerSync(program: Command): void {
  program
    .command('sync <app>')
    .description('Make the app\'s cluster equal to Git: plan, preflight, apply, prune, wait for health. Exit 0 applied and healthy, 1 failed, 2 config or usage error.')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--revision <sha>', 'commit SHA, branch or tag to sync (default: the app\'s branch or revision)')
    .option('--dry-run', 'plan and preflight only; write nothing')
    .option('--json', 'print the SyncResult as JSON on stdout')
    .action(
      exiting(async (appName: string, flags: SyncFlags) => {
        // Loaded on use: the Kubernetes client is heavy and other commands need not pay for it.
        const [{ loadConfig }, { createRuntime }, { syncApp }, { formatProgress, formatResult }] = await Promise.all([
          import('../../config/load.ts'),
          import('../../wiring/runtime.ts'),
          import('../../sync/sync.ts'),
          import('./sync-output.ts'),
        ]);
        const config = await loadConfig(flags.config);
        for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
        const runtime = createRuntime(config, { diskCache: true });
        const app = runtime.app(appName);
        const deps = await runtime.deps(app);
        const result = await syncApp(deps, app, {
          ...(flags.revision ? { revision: flags.revision } : {}),
          dryRun: flags.dryRun === true,
          onProgress: (event) => process.stderr.write(formatProgress(event)),
        });
        if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stderr.write(formatResult(result));
        return syncExitCode(result);
      }),
    );
}
