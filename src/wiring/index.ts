export { createRuntime, defaultDiscoveryCacheDir, type Runtime, type RuntimeOptions } from './runtime.ts';
