/**
 * `npm run package`: every Lambda function built and zipped offline, with no AWS credentials.
 *
 * esbuild bundles each handler in functions/ into .build/<function>/index.mjs (ESM for Node 22,
 * minified, with a source map: NODE_OPTIONS=--enable-source-maps on Lambda turns stack traces back
 * into TypeScript lines; see shippedMaps for the http function). The root package.json does not
 * reach into a function's zip, hence .mjs.
 * Then `osls package` zips each folder on its own (package.individually) into
 * .serverless/<function>.zip and writes the CloudFormation template; infra/offline-package.cjs
 * lets it do so without credentials.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const functionNames = ['http', 'worker', 'drift'] as const;
export type FunctionName = (typeof functionNames)[number];

/**
 * Left out of every bundle: better-sqlite3 is native and only `serve` uses it. The AWS SDK is
 * bundled rather than taken from the runtime, so that the version is the one tested.
 */
const external = ['better-sqlite3'];

/**
 * Functions whose zip carries the source map (NODE_OPTIONS=--enable-source-maps turns their stack
 * traces into TypeScript lines). The http function's map is as large as its code (about 190 KB
 * zipped) and would take it past 500 KB once the DynamoDB and SQS clients are in: it is written to
 * .build/maps/http.mjs.map for reading a trace offline, and the bundle keeps its function names.
 */
const shippedMaps = new Set<FunctionName>(['worker', 'drift']);

export async function bundleFunction(name: FunctionName, options: Partial<BuildOptions> = {}): Promise<void> {
  const outdir = path.join(root, '.build', name);
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { index: path.join(root, 'functions', `${name}.ts`) },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    // The http function's map stays out of its zip (see shippedMaps); its names are kept for stack traces.
    sourcemap: shippedMaps.has(name) ? true : 'external',
    keepNames: !shippedMaps.has(name),
    // Line mappings only: stack traces name the TypeScript file and line; the sources stay in Git.
    sourcesContent: false,
    // Lambda runs x86-64 Linux; the bundles hold no native code, so this is documentation.
    external,
    logLevel: 'warning',
    legalComments: 'none',
    // CommonJS packages bundled into ESM call require() for Node's built-ins (esbuild#1921).
    banner: { js: "import { createRequire as __driftlessCreateRequire } from 'node:module';\nconst require = __driftlessCreateRequire(import.meta.url);" },
    metafile: true,
    ...options,
  });
  if (!shippedMaps.has(name)) {
    await mkdir(path.join(root, '.build', 'maps'), { recursive: true });
    await rename(path.join(outdir, 'index.mjs.map'), path.join(root, '.build', 'maps', `${name}.mjs.map`));
  }
  // Beside the function's folder, not in its zip: which modules went into the bundle (checked by test/infra/package.test.ts).
  if (result.metafile) await writeFile(path.join(root, '.build', `${name}.meta.json`), JSON.stringify(result.metafile));
}

/** `osls package` with what it needs to run unattended and offline. */
export function oslsPackage(extraArgs: string[] = [], options: { quiet?: boolean } = {}): void {
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', ...extraArgs], {
    cwd: root,
    stdio: ['ignore', options.quiet ? 'pipe' : 'inherit', options.quiet ? 'pipe' : 'inherit'],
    encoding: 'utf8',
    env: {
      ...process.env,
      // No prompts, no deprecation banners, no spinner escape codes in CI logs.
      SLS_INTERACTIVE_SETUP_ENABLE: '0',
      SLS_DEPRECATION_DISABLE: '*',
      CI: process.env.CI ?? '1',
    },
  });
  if (result.status !== 0) throw new Error(`osls package failed (exit ${result.status ?? result.signal})${options.quiet ? `:\n${result.stdout}${result.stderr}` : ''}`);
}

export async function packageAll(extraArgs: string[] = [], options: { quiet?: boolean } = {}): Promise<void> {
  await Promise.all(functionNames.map((name) => bundleFunction(name)));
  await rm(path.join(root, '.serverless'), { recursive: true, force: true });
  oslsPackage(extraArgs, options);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await packageAll(process.argv.slice(2));
  process.stdout.write(`driftless: packaged ${functionNames.join(', ')} into .serverless/ in ${Date.now() - started} ms\n`);
}
