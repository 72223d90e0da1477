import type { Command } from 'commander';
import { parsePort } from '../options.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the webhook receiver, the HTTP API, the sync queue and the polling fallback in this process.')
    .option('--config <file>', 'driftless.yaml to serve', 'driftless.yaml')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'where the state database lives', '.driftless')
    .action(async (options: { config: string; port: number; host: string; dataDir: string }) => {
      // Loaded only when run, so that other commands start fast.
      const [{ loadConfig }, { startServer }] = await Promise.all([import('../../config/load.ts'), import('../../http/server.ts')]);
      const config = await loadConfig(options.config);
      for (const warning of config.warnings) process.stderr.write(`driftless: warning: ${warning}\n`);
      const server = await startServer({ config, port: options.port, host: options.host, dataDir: options.dataDir });
      process.stdout.write(`driftless serve: listening on ${server.url} (webhook: ${server.url}/webhooks/github)\n`);
      // Resolve only when stopped: SIGTERM/SIGINT let running syncs finish, then exit 0.
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stderr.write(`driftless serve: ${signal}, finishing running syncs\n`);
          void server.close().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
