import { InvalidArgumentError, type Command } from 'commander';
import { parsePort } from '../options.ts';

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 3600) throw new InvalidArgumentError(`expected seconds (0-3600), got "${value}"`);
  return n;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the webhook receiver, the HTTP API, the sync queue and the polling fallback in this process.')
    .option('--config <file>', 'driftless.yaml to serve', 'driftless.yaml')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'where the state database lives (locked while serve runs)', '.driftless')
    .option('--shutdown-grace <seconds>', 'on SIGTERM/SIGINT, how long requests and running syncs may take to finish', parseSeconds, 25)
    .action(async (options: { config: string; port: number; host: string; dataDir: string; shutdownGrace: number }) => {
      // Loaded only when run, so that other commands start fast.
      const [{ loadConfig }, { startServer }] = await Promise.all([import('../../config/load.ts'), import('../../wiring/serve.ts')]);
      const config = await loadConfig(options.config);
      for (const warning of config.warnings) process.stderr.write(`driftless: warning: ${warning}\n`);
      const graceMs = options.shutdownGrace * 1000;
      const server = await startServer({ config, port: options.port, host: options.host, dataDir: options.dataDir, shutdownGraceMs: graceMs });
      process.stdout.write(`driftless serve: listening on ${server.url} (webhook: ${server.url}/webhooks/github)\n`);
      // Resolve only when stopped: a signal stops accepting, drains for the grace period, then exits.
      const drained = await new Promise<boolean>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) {
            process.stderr.write(`driftless serve: second ${signal}, exiting now\n`);
            process.exit(1);
          }
          stopping = true;
          process.stderr.write(`driftless serve: ${signal}, no longer accepting; finishing requests and running syncs (up to ${options.shutdownGrace} s)\n`);
          // Should closing itself hang (a stuck file system), exit anyway.
          setTimeout(() => process.exit(1), graceMs + 5000).unref();
          void server.close().then(({ drained: done }) => resolve(done), () => resolve(false));
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      process.stderr.write(drained ? 'driftless serve: stopped\n' : 'driftless serve: stopped; work cut off resumes at the next start\n');
      // Sockets to clusters or GitHub kept alive by an agent must not hold the process after a stop.
      setTimeout(() => process.exit(), 1000).unref();
    });
}
