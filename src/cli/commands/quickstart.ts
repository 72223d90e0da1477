import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exiting } from '../exit.ts';
import { parsePort } from '../options.ts';

export function registerQuickstart(program: Command): void {
  program
    .command('quickstart')
    .description('Start a sandbox cluster, sync the example apps into it, and serve the API (what `npm start` runs).')
    .option('--dir <dir>', 'folder for the example repository, config, secrets and state', '.driftless/quickstart')
    .option('--port <port>', 'port of the driftless API (0: any free port)', parsePort, 7711)
    .option('--exit-after-sync', 'stop after the first syncs instead of serving until interrupted')
    .option('--verbose', 'log the server as JSON lines on stderr')
    .action(
      exiting(async (options: { dir: string; port: number; exitAfterSync?: boolean; verbose?: boolean }) => {
        // Loaded only when run: the sandbox and the server are heavy, other commands need neither.
        const { runQuickstart } = await import('../quickstart/run.ts');
        return runQuickstart({ dir: resolve(options.dir), port: options.port, exitAfterSync: options.exitAfterSync === true, verbose: options.verbose === true });
      }),
    );
}
