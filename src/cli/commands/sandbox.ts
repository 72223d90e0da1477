import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { exiting } from '../exit.ts';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return n;
}

function serviceAccount(value: string, previous: string[]): string[] {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value)) throw new InvalidArgumentError(`expected NAMESPACE/NAME in lower-case DNS names (e.g. apps/driftless), got "${value}"`);
  return [...previous, value];
}

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('Run a local stand-in Kubernetes 1.34 API server (HTTPS, bearer tokens) and write a kubeconfig for kubectl.')
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', integer, 0)
    .option('--kubeconfig <file>', 'where to write the kubeconfig', 'sandbox.kubeconfig')
    .option('--state <file>', 'persist objects in this file across restarts')
    .option('--latency <ms>', 'delay every API request by this many milliseconds', integer, 0)
    .option('--http', 'serve plain HTTP instead of HTTPS (debugging)')
    .option('--no-controllers', 'do not run the built-in controllers (status, garbage collection)')
    .option('--service-account <ns/name>', 'create this ServiceAccount if missing and add a kubeconfig context sa-<ns>-<name> with a token for it (repeatable)', serviceAccount, [])
    .action(
      exiting(async (options: { port: number; kubeconfig: string; state?: string; latency: number; http?: boolean; controllers: boolean; serviceAccount: string[] }) => {
        // Loaded on use, so that other commands do not pay for the sandbox's imports.
        const { runSandbox } = await import('../../../sandbox/cli.ts');
        await runSandbox({ ...options, serviceAccounts: options.serviceAccount });
      }),
    );
}
