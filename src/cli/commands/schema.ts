import type { Command } from 'commander';
import { exiting } from '../exit.ts';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('Print the JSON Schema of driftless.yaml (for editors: point yaml-language-server at it).')
    .action(
      exiting(async () => {
        const { configSchemaText } = await import('../../config/schema.ts');
        process.stdout.write(configSchemaText());
      }),
    );
}
