import type { Revision, SyncResult } from '../core/types.ts';

/** Reports sync progress back to where the revision came from (GitHub commit status, deployments). */
export interface Reporter {
  started(app: string, revision: Revision, syncId: string): Promise<void>;
  finished(result: SyncResult, syncId: string): Promise<void>;
}
