/**
 * Builds the CLI as JavaScript into dist/cli/ (`npm run build`; npm runs it as `prepare` on
 * `npm ci` and `npm install`), so that `driftless` starts without compiling TypeScript.
 * bin/driftless runs dist/cli/main.js when it is there and not older than the sources.
 *
 * One ESM bundle for Node 20 with code splitting: each command's `await import(…)` becomes its own
 * chunk, so `driftless --help` loads commander and the command list only. Packages that carry
 * native code stay external and are loaded from node_modules.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const outdir = path.join(root, 'dist', 'cli');

/**
 * Every output file lands in dist/cli/ (the entry and all chunks), so a source file's
 * `import.meta.url` can be rewritten to the URL that source file has: files found relative to their
 * module (the sandbox's vendored OpenAPI documents and protobuf descriptors, the .cache/tools folder
 * of kubectl, the examples of the quick start) resolve the same from the sources and from the build.
 */
const sourceLocation: Plugin = {
  name: 'source-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const fromOutput = path.relative(outdir, args.path).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromOutput)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/** Native addons (and the modules that locate them) cannot be bundled. */
const external = ['better-sqlite3'];

export async function buildCli(): Promise<void> {
  const stamp = path.join(outdir, '.built');
  // The stamp goes first, so that bin/driftless runs the sources while the build is incomplete.
  await rm(stamp, { force: true });
  await rm(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    external,
    logLevel: 'warning',
    // Bundled CommonJS packages call require() for Node's built-ins; ESM has no require of its own.
    banner: { js: "import { createRequire as __driftlessCreateRequire } from 'node:module';\nconst require = __driftlessCreateRequire(import.meta.url);" },
    plugins: [sourceLocation],
  });
  // bin/driftless compares the sources' times with this file's.
  await writeFile(stamp, `${new Date().toISOString()}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await buildCli();
  process.stdout.write(`driftless: built ${path.relative(root, outdir)}/ in ${Date.now() - started} ms\n`);
}
