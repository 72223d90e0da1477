import type { AppConfig } from '../config/types.ts';
import type { Plan, Revision, SyncResult, Trigger } from '../core/types.ts';

/**
 * What the service needs from the reconcile engine. The composition root adapts
 * `syncApp`/`diffApp` (src/sync) and the app's Source to this.
 */
export interface EngineSyncRequest {
  /** Resolved by the worker just before the sync, so a stale message never syncs an older commit. */
  revision: Revision;
  dryRun: boolean;
  prune?: boolean;
  syncId: string;
  trigger: Trigger;
}

export interface EngineSyncOutcome {
  result: SyncResult;
  /** Repository paths the render read (recorded for push routing). */
  dependencies?: string[];
}

export interface Engine {
  /** Branch, tag or SHA → full SHA, through the app's source (REVISION_NOT_FOUND otherwise). */
  resolve(app: AppConfig, ref: string): Promise<Revision>;
  sync(app: AppConfig, request: EngineSyncRequest): Promise<EngineSyncOutcome>;
  diff(app: AppConfig, revision?: string): Promise<Plan>;
  /** Paths changed between two commits; undefined when the source cannot tell (e.g. over 300 files). */
  changedPaths?(app: AppConfig, from: string, to: string): Promise<string[] | undefined>;
}

/** The logger port lives in src/ports/logger.ts; re-exported here for the modules that import it from the service. */
export type { Logger } from '../ports/logger.ts';
export { silentLogger } from '../ports/logger.ts';

