import type { Command } from 'commander';
import { isDriftlessError } from '../../core/errors.ts';
import { exiting } from '../exit.ts';

interface RenderOptions {
  root?: string;
  json?: boolean;
  allowRemote?: boolean;
}

export function registerRender(program: Command): void {
  program
    .command('render')
    .description('Print the rendering of a folder (plain YAML or kustomize) exactly as kustomize would: nothing added, nothing masked. No config needed.')
    .argument('<path>', 'folder (or file) to render')
    .option('--root <dir>', 'repository root that no path may leave (default: the git top level of <path>, or <path> itself)')
    .option('--allow-remote', 'let kustomize fetch remote bases and resources')
    .option('--json', 'print {renderer, dependencies, manifests} as JSON on stdout')
    .action(
      exiting(async (path: string, options: RenderOptions) => {
        const { renderPath, printManifests } = await import('../render-path.ts');
        try {
          const result = await renderPath(path, options);
          if (options.json) {
            process.stdout.write(`${JSON.stringify({ renderer: result.renderer, dependencies: result.dependencies, manifests: result.manifests }, null, 2)}\n`);
            return;
          }
          process.stdout.write(printManifests(result));
        } catch (err) {
          if (options.json && isDriftlessError(err)) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
          throw err;
        }
      }),
    );
}
