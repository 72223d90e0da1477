/** The Kubernetes API stand-in: `startSandbox` for tests and benchmarks, `driftless sandbox` on the command line. */
export { startSandbox, type Sandbox, type SandboxOptions } from './server/start.ts';
export type { EksAccessEntry, EksAuthOptions } from './server/eks-auth.ts';
