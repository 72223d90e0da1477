import type { Command } from 'commander';
import { exiting } from '../exit.ts';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('Print the JSON Schema of driftless.yaml (for editors: point yaml-language-server at it).')
    .option('--drift-report', 'print the JSON Schema of `driftless drift --json` instead')
    .action(
      exiting(async (flags: { driftReport?: boolean }) => {
        if (flags.driftReport) {
          const { driftReportSchemaText } = await import('../../drift/json.ts');
          process.stdout.write(driftReportSchemaText());
          return;
        }
        const { configSchemaText } = await import('../../config/schema.ts');
        process.stdout.write(configSchemaText());
      }),
    );
}
