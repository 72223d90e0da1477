export { createRuntime, defaultDiscoveryCacheDir, type Runtime, type RuntimeOptions } from './runtime.ts';
export { createRuntimeEngine } from './runtime-engine.ts';
export { createInProcessService } from './in-process.ts';
export { startServer, defaultShutdownGraceMs, type RunningServer, type ServeAdapters, type ServeOptions } from './serve.ts';
