import { Command, CommanderError } from 'commander';
import { DriftlessError } from '../core/errors.ts';
import { registerTools } from './commands/tools.ts';
import { registerServe } from './commands/serve.ts';
import { registerRender } from './commands/render.ts';
import { registerSandbox } from './commands/sandbox.ts';
import { registerSchema } from './commands/schema.ts';
import { registerValidate } from './commands/validate.ts';
import { registerDiff } from './commands/diff.ts';
import { registerSync } from './commands/sync.ts';
import { registerQuickstart } from './commands/quickstart.ts';

/**
 * The driftless CLI. Each command lives in ./commands and registers itself here.
 * Exit codes: 0 success, 1 the work failed or found differences, 2 config or usage error.
 */
export function buildProgram(): Command {
  const program = new Command('driftless')
    .description('GitOps for Kubernetes without an operator in the cluster: keeps clusters equal to Git.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerTools(program);
  registerServe(program);
  registerRender(program);
  registerSandbox(program);
  registerSchema(program);
  registerValidate(program);
  registerDiff(program);
  registerSync(program);
  registerQuickstart(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof DriftlessError) {
      process.stderr.write(`driftless: ${err.message} [${err.code}]\n`);
      return err.code === 'CONFIG_INVALID' || err.code === 'CONFIG_NOT_FOUND' || err.code === 'BAD_REQUEST' ? 2 : 1;
    }
    // A stack trace helps us, not the user: shown only when asked for.
    const detail = err instanceof Error ? (process.env.DRIFTLESS_DEBUG ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`driftless: unexpected error: ${detail}${process.env.DRIFTLESS_DEBUG ? '' : ' (set DRIFTLESS_DEBUG=1 for details)'}\n`);
    return 1;
  }
}

const code = await main(process.argv);
// Long-running commands (serve, sandbox) resolve only when they stop.
process.exitCode = code;
