import type { Command } from 'commander';
import { loadConfig, DEFAULT_CONFIG_FILE } from '../../config/index.ts';
import { isDriftlessError } from '../../core/errors.ts';
import { requestedRef } from '../../sync/prepare.ts';

interface ValidateFlags {
  config: string;
  json?: boolean;
}

interface AppReport {
  app: string;
  ok: boolean;
  revision?: string;
  objects?: number;
  renderer?: string;
  error?: { code: string; message: string };
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check the config and render every app (no cluster access). Exit 0 valid, 1 a render failed, 2 config error.')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--json', 'print a JSON report on stdout')
    .action(async (flags: ValidateFlags) => {
      let config;
      try {
        config = await loadConfig(flags.config);
      } catch (err) {
        if (!isDriftlessError(err)) throw err;
        if (flags.json) process.stdout.write(`${JSON.stringify({ ok: false, error: err.toJSON() }, null, 2)}\n`);
        process.stderr.write(`driftless: ${err.message} [${err.code}]\n`);
        process.exitCode = 2;
        return;
      }
      const { createRuntime } = await import('../../wiring/runtime.ts');
      const runtime = createRuntime(config);
      const reports: AppReport[] = [];
      for (const app of config.apps) {
        try {
          const source = await runtime.source(app.repository);
          const revision = await source.resolve(requestedRef(app));
          const rendered = await runtime.renderer.render({ tree: await source.tree(revision), path: app.path, allowRemote: app.allowRemote });
          reports.push({ app: app.name, ok: true, revision: revision.sha, objects: rendered.manifests.length, renderer: rendered.renderer });
        } catch (err) {
          if (!isDriftlessError(err)) throw err;
          reports.push({ app: app.name, ok: false, error: { code: err.code, message: err.message } });
        }
      }
      const ok = reports.every((r) => r.ok);
      if (flags.json) process.stdout.write(`${JSON.stringify({ ok, config: config.file, warnings: config.warnings, apps: reports }, null, 2)}\n`);
      for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
      for (const r of reports) {
        process.stderr.write(r.ok ? `ok    ${r.app}: ${r.objects} objects (${r.renderer}) at ${r.revision!.slice(0, 12)}\n` : `FAIL  ${r.app}: ${r.error!.message} [${r.error!.code}]\n`);
      }
      process.exitCode = ok ? 0 : 1;
    });
}
