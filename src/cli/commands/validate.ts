import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../config/defaults.ts';
import { isDriftlessError, type DriftlessError } from '../../core/errors.ts';
import { EXIT, exitCodeOf, exiting } from '../exit.ts';

interface ValidateFlags {
  config: string;
  json?: boolean;
}

interface Report {
  ok: boolean;
  error?: { code: string; message: string };
}

interface AppReport extends Report {
  app: string;
  revision?: string;
  objects?: number;
  renderer?: string;
}

interface RepositoryReport extends Report {
  repository: string;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check the config, every git: repository and the render of every app (no cluster access). Exit 0 valid, 1 a repository or render failed, 2 config error.')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--json', 'print a JSON report on stdout')
    .action(
      exiting(async (flags: ValidateFlags) => {
        const [{ loadConfig }, { createRuntime }, { requestedRef }, { checkRepositoryRoot }, { checkConfiguredKeys }] = await Promise.all([
          import('../../config/load.ts'),
          import('../../wiring/runtime.ts'),
          import('../../sync/prepare.ts'),
          import('../../adapters/git-local/local-git-source.ts'),
          import('../../wiring/signing-key.ts'),
        ]);
        let config;
        try {
          config = await loadConfig(flags.config);
        } catch (err) {
          if (flags.json && isDriftlessError(err)) process.stdout.write(`${JSON.stringify({ ok: false, error: err.toJSON() }, null, 2)}\n`);
          throw err;
        }
        const failures: DriftlessError[] = [];
        const failed = (err: unknown): { ok: false; error: { code: string; message: string } } => {
          if (!isDriftlessError(err)) throw err;
          failures.push(err);
          return { ok: false, error: { code: err.code, message: err.message } };
        };
        // The check a sync runs before reading a local repository, on every git: entry, used or not.
        const repositories: RepositoryReport[] = [];
        for (const repository of Object.values(config.repositories)) {
          if (!('git' in repository)) continue;
          try {
            await checkRepositoryRoot(repository.git);
            repositories.push({ repository: repository.name, ok: true });
          } catch (err) {
            repositories.push({ repository: repository.name, ...failed(err) });
          }
        }
        const runtime = createRuntime(config);
        // A configured signing key that does not resolve would fail every sync; the default file is not created here.
        let signing: Report = { ok: true };
        try {
          await checkConfiguredKeys(config, runtime.secrets);
        } catch (err) {
          signing = failed(err);
        }
        const apps: AppReport[] = [];
        for (const app of config.apps) {
          try {
            const source = await runtime.source(app.repository);
            const revision = await source.resolve(requestedRef(app));
            const rendered = await runtime.renderer.render({ tree: await source.tree(revision), path: app.path, allowRemote: app.allowRemote });
            apps.push({ app: app.name, ok: true, revision: revision.sha, objects: rendered.manifests.length, renderer: rendered.renderer });
          } catch (err) {
            apps.push({ app: app.name, ...failed(err) });
          }
        }
        const ok = failures.length === 0;
        if (flags.json) process.stdout.write(`${JSON.stringify({ ok, config: config.file, warnings: config.warnings, repositories, signing, apps }, null, 2)}\n`);
        for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
        for (const r of repositories) if (!r.ok) process.stderr.write(`FAIL  repository ${r.repository}: ${r.error!.message} [${r.error!.code}]\n`);
        if (!signing.ok) process.stderr.write(`FAIL  signing: ${signing.error!.message} [${signing.error!.code}]\n`);
        for (const r of apps) {
          process.stderr.write(r.ok ? `ok    ${r.app}: ${r.objects} objects (${r.renderer}) at ${r.revision!.slice(0, 12)}\n` : `FAIL  ${r.app}: ${r.error!.message} [${r.error!.code}]\n`);
        }
        // The worst finding decides, by the same rule as every other command.
        return Math.max(EXIT.ok, ...failures.map((err) => exitCodeOf(err)));
      }),
    );
}
