// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The core pipeline must not reach outward: adapters, the HTTP app, handlers and
// stand-ins depend on the core, never the reverse.
const outward = [
  { group: ['**/adapters/**', '**/wiring/**', '**/http/**', '**/cli/**', '**/functions/**', '**/sandbox/**', '**/test/**'], message: 'The core must not import adapters, wiring, handlers, the HTTP app, the CLI or stand-ins; add a port instead.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.driftless/**', '.serverless/**', 'dist/**', '.cache/**', '.esbuild/**'] },
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
  {
    files: ['src/core/**', 'src/ports/**', 'src/config/**', 'src/render/**', 'src/plan/**', 'src/apply/**', 'src/health/**', 'src/inventory/**', 'src/sync/**', 'src/routing/**', 'src/queue/**', 'src/service/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: outward }] },
  },
  {
    // The HTTP app receives a ready service: it builds no store, runtime, reporter, poller or queue.
    files: ['src/http/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/adapters/**', '**/wiring/**', '**/cli/**', '**/functions/**', '**/sandbox/**', '**/test/**'], message: 'src/http is fed a ready service; composition lives in src/wiring.' }] }] },
  },
  {
    files: ['test/**', 'bench/**', 'sandbox/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
