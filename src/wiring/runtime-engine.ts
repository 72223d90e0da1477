import type { AppConfig } from '../config/types.ts';
import { DriftlessError, type ErrorCode } from '../core/errors.ts';
import { diffApp, syncApp } from '../sync/sync.ts';
import type { Runtime } from './runtime.ts';
import type { Engine, EngineSyncOutcome, EngineSyncRequest } from '../service/engine.ts';


/**
 * The Engine on top of the composition root: syncApp/diffApp with the app's source, renderer and
 * cluster, capturing each render's dependencies for push routing.
 */
export function createRuntimeEngine(runtime: Runtime): Engine {
  return {
    async resolve(app: AppConfig, ref: string) {
      return (await runtime.source(app.repository)).resolve(ref);
    },

    async sync(app: AppConfig, request: EngineSyncRequest): Promise<EngineSyncOutcome> {
      const deps = await runtime.deps(app);
      let dependencies: string[] | undefined;
      // The worker resolved the revision: syncing that exact commit keeps a stale message from moving
      // backwards, and passing it resolved spares the source a second lookup.
      const result = await syncApp(deps, app, {
        revision: request.revision, dryRun: request.dryRun, ...(request.prune !== undefined ? { prune: request.prune } : {}),
        onRendered: (read) => void (dependencies = read),
      });
      const written = result.objects.some((o) => o.outcome === 'applied' || o.outcome === 'pruned');
      // Nothing written and every error transient (classify's verdict, carried by SyncError): the
      // whole (idempotent) sync is worth running again, so the queue gets a transient error to retry.
      if (result.status === 'Failed' && !written && result.errors.length > 0 && result.errors.every((e) => e.transient === true)) {
        const first = result.errors[0]!;
        throw new DriftlessError(first.code as ErrorCode, first.message, { transient: true, ...(first.retryAfterMs !== undefined ? { retryAfterMs: first.retryAfterMs } : {}) });
      }
      return dependencies ? { result, dependencies } : { result };
    },

    async diff(app: AppConfig, revision?: string) {
      return diffApp(await runtime.deps(app), app, revision !== undefined ? { revision } : {});
    },

    async changedPaths(app: AppConfig, from: string, to: string) {
      const source = await runtime.source(app.repository);
      return source.changedPaths ? source.changedPaths(from, to) : undefined;
    },
  };
}
