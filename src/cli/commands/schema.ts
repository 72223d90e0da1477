import type { Command } from 'commander';
import { configSchemaText } from '../../config/schema.ts';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('Print the JSON Schema of driftless.yaml (for editors: point yaml-language-server at it).')
    .action(() => {
      process.stdout.write(configSchemaText());
    });
}
