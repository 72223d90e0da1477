import { Command } from 'commander';
import { reportError } from './exit.ts';
import { registerTools } from './commands/tools.ts';
import { registerServe } from './commands/serve.ts';
import { registerRender } from './commands/render.ts';
import { registerSandbox } from './commands/sandbox.ts';
import { registerSchema } from './commands/schema.ts';
import { registerValidate } from './commands/validate.ts';
import { registerDiff } from './commands/diff.ts';
import { registerDrift } from './commands/drift.ts';
import { registerSync } from './commands/sync.ts';
import { registerQuickstart } from './commands/quickstart.ts';
import { registerCredentials } from './commands/credentials.ts';

/**
 * The driftless CLI. Each command lives in ./commands and registers itself here; a command module
 * imports only commander at load time and its work's dependencies when run, so that `--help` and
 * light commands start fast. Exit codes follow one rule (./exit.ts).
 */
export function buildProgram(): Command {
  const program = new Command('driftless')
    .description('GitOps for Kubernetes without an operator in the cluster: keeps clusters equal to Git.')
    // The entry file tells a user (and a test) whether the built JavaScript or the TypeScript sources run.
    .version(`0.1.0 (${process.argv[1] ?? 'driftless'})`)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerTools(program);
  registerServe(program);
  registerRender(program);
  registerSandbox(program);
  registerSchema(program);
  registerValidate(program);
  registerDiff(program);
  registerDrift(program);
  registerSync(program);
  registerQuickstart(program);
  registerCredentials(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

const code = await main(process.argv);
// Long-running commands (serve, sandbox) resolve only when they stop.
process.exitCode = code;
