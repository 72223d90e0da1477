import { resolve } from 'node:path';
import { startSandbox, type Sandbox } from './server/start.ts';

export interface SandboxCliOptions {
  port?: number;
  kubeconfig?: string;
  state?: string;
  latency?: number;
  http?: boolean;
  controllers?: boolean;
  /** Warm the request path up before listening (default true; see SandboxOptions.warmUp). */
  warmUp?: boolean;
  /** `namespace/name` of ServiceAccounts that get a kubeconfig context each. */
  serviceAccounts?: string[];
}

/**
 * Runs the sandbox until SIGTERM or SIGINT, then stops it cleanly (state flushed).
 * Resolves when it has stopped.
 */
export async function runSandbox(options: SandboxCliOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const kubeconfigPath = resolve(options.kubeconfig ?? 'sandbox.kubeconfig');
  const sandbox: Sandbox = await startSandbox({
    port: options.port ?? 0, kubeconfigPath, statePath: options.state ? resolve(options.state) : undefined,
    latencyMs: options.latency ?? 0, http: options.http === true, controllers: options.controllers !== false,
    warmUp: options.warmUp !== false, serviceAccounts: options.serviceAccounts ?? [],
  });
  out.write(`Kubernetes sandbox (API v1.34) listening on ${sandbox.url}\n`);
  const saContexts = (options.serviceAccounts ?? []).map((ref) => `, sa-${ref.replace('/', '-')} = ServiceAccount ${ref}`).join('');
  out.write(`kubeconfig written to ${kubeconfigPath} (contexts: sandbox = admin, sandbox-viewer = read-only${saContexts})\n`);
  out.write(`  export KUBECONFIG=${kubeconfigPath}\n  kubectl get namespaces\n`);
  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      out.write(`${signal}: stopping the sandbox\n`);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      void sandbox.stop().then(done);
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}

/** Direct use: node --import tsx sandbox/cli.ts [--port N] [--kubeconfig FILE] [--state FILE] [--latency MS] [--http] [--no-controllers] [--no-warm-up] [--service-account NS/NAME]… */
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
  await runSandbox({
    port: value('--port') ? Number(value('--port')) : 0, kubeconfig: value('--kubeconfig'), state: value('--state'),
    latency: value('--latency') ? Number(value('--latency')) : 0, http: args.includes('--http'),
    controllers: !args.includes('--no-controllers'), warmUp: !args.includes('--no-warm-up'),
    serviceAccounts: args.flatMap((a, i) => (a === '--service-account' && args[i + 1] ? [args[i + 1]!] : [])),
  });
}
