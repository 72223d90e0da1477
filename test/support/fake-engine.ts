import { DriftlessError } from '../../src/core/errors.ts';
import type { AppConfig } from '../../src/config/types.ts';
import type { Plan, Revision, SyncResult } from '../../src/core/types.ts';
import type { Engine, EngineSyncOutcome, EngineSyncRequest } from '../../src/service/engine.ts';

/**
 * An Engine for service and HTTP tests: refs resolve through `refs` (branch/tag → SHA), full SHAs
 * resolve to themselves, and syncs succeed unless a failure is queued with `failNext`.
 */
export class FakeEngine implements Engine {
  readonly refs = new Map<string, string>();
  readonly syncs: Array<{ app: string; request: EngineSyncRequest }> = [];
  readonly failures: Error[] = [];
  /** Files reported as changed by changedPaths; undefined: "cannot tell". */
  changed: string[] | undefined;
  changedCalls = 0;
  dependencies: Record<string, string[]> = {};
  /** When set, each sync waits for it. */
  gate: Promise<void> | undefined;
  running = 0;
  maxRunning = 0;

  async resolve(_app: AppConfig, ref: string): Promise<Revision> {
    const sha = this.refs.get(ref) ?? (/^[0-9a-f]{40}$/.test(ref) ? ref : undefined);
    if (!sha) throw new DriftlessError('REVISION_NOT_FOUND', `no branch, tag or commit "${ref}"`);
    return { ref, sha };
  }

  async sync(app: AppConfig, request: EngineSyncRequest): Promise<EngineSyncOutcome> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.gate) await this.gate;
      this.syncs.push({ app: app.name, request });
      const failure = this.failures.shift();
      if (failure) throw failure;
      const now = new Date().toISOString();
      const result: SyncResult = {
        app: app.name, revision: request.revision, status: request.dryRun ? 'DryRun' : 'Synced', startedAt: now, finishedAt: now,
        dryRun: request.dryRun, objects: [{ ref: { group: 'apps', kind: 'Deployment', namespace: app.namespace, name: app.name }, action: 'update', outcome: request.dryRun ? 'dry-run' : 'applied' }],
        pruned: [], displacedManagers: [], health: 'Healthy', errors: [],
      };
      return { result, dependencies: this.dependencies[app.name] ?? [app.path] };
    } finally {
      this.running--;
    }
  }

  async diff(app: AppConfig, revision?: string): Promise<Plan> {
    return { app: app.name, revision: await this.resolve(app, revision ?? app.branch ?? 'main'), changes: [], prunes: [] };
  }

  async changedPaths(): Promise<string[] | undefined> {
    this.changedCalls++;
    return this.changed;
  }

  failNext(code: 'CLUSTER_UNAVAILABLE' | 'RENDER_FAILED', transient: boolean): void {
    this.failures.push(new DriftlessError(code, `${code} injected`, { transient }));
  }
}
