// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * Layers, written by folder pattern so that a new folder is covered without editing a list:
 * - Everything under src/ is core except the edges (adapters, http, cli, wiring). The core may not
 *   import the edges, the Lambda handlers, the stand-ins or tests: it talks to the world through ports.
 * - The HTTP app is fed a ready service: it imports no adapter and no composition.
 * - Composition (src/wiring) is imported only by entry points: the CLI, the Lambda handlers
 *   (functions/), tests and benchmarks.
 * test/lint/layers.test.ts runs this file on fixtures to show the rules fire.
 */
const edges = ['src/adapters/**', 'src/http/**', 'src/cli/**', 'src/wiring/**'];
const wiringEntryPoints = ['src/cli/**', 'src/wiring/**', 'functions/**', 'test/**', 'bench/**'];

const outward = { group: ['**/adapters/**', '**/http/**', '**/cli/**', '**/functions/**', '**/sandbox/**', '**/test/**'], message: 'The core must not import adapters, handlers, the HTTP app, the CLI or stand-ins; add a port instead.' };
const wiring = { group: ['**/wiring/**', '**/wiring'], message: 'Only entry points (src/cli, functions/) compose the app through src/wiring; take what you need as a parameter instead.' };
const httpOutward = { group: ['**/adapters/**', '**/cli/**', '**/functions/**', '**/sandbox/**', '**/test/**'], message: 'src/http is fed a ready service; composition lives in src/wiring.' };

export default tseslint.config(
  { ignores: ['node_modules/**', '.driftless/**', '.serverless/**', '.build/**', 'dist/**', '.cache/**', '.esbuild/**', 'test/lint/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Each file gets exactly one of the layer blocks below: a later block's no-restricted-imports replaces an earlier one's.
  {
    files: ['src/**/*.ts'],
    ignores: edges,
    rules: { 'no-restricted-imports': ['error', { patterns: [outward, wiring] }] },
  },
  {
    files: ['src/http/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [httpOutward, wiring] }] },
  },
  {
    files: ['**/*.ts'],
    ignores: ['src/**/*.ts', ...wiringEntryPoints],
    rules: { 'no-restricted-imports': ['error', { patterns: [wiring] }] },
  },
  {
    files: ['src/adapters/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [wiring] }] },
  },
  {
    files: ['test/**', 'bench/**', 'sandbox/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
