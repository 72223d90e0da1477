import type { AppConfig } from '../config/types.ts';
import { DriftlessError } from '../core/errors.ts';
import { diffApp, syncApp } from '../sync/sync.ts';
import type { Runtime } from './runtime.ts';
import type { Engine, EngineSyncOutcome, EngineSyncRequest } from '../service/engine.ts';

/** Codes that mean "the other side was unavailable", worth retrying the whole (idempotent) sync. */
const transientCodes = new Set(['CLUSTER_UNAVAILABLE', 'SOURCE_UNAVAILABLE', 'RATE_LIMITED']);

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
      if (result.status === 'Failed' && !written && result.errors.length > 0 && result.errors.every((e) => transientCodes.has(e.code))) {
        throw new DriftlessError(result.errors[0]!.code as 'CLUSTER_UNAVAILABLE', result.errors[0]!.message, { transient: true });
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
