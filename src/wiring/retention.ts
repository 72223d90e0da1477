import type { ServerConfig } from '../config/types.ts';
import type { PruneCounts, StateStore } from '../ports/state.ts';
import type { Logger } from '../service/engine.ts';

const dayMs = 24 * 60 * 60 * 1000;

export interface Retention {
  /** Prunes once now; resolves with what it deleted. */
  runOnce(): Promise<PruneCounts>;
  stop(): void;
}

/** Prunes the store's history (syncs, deliveries, drift reports) at start and then every `intervalMs` (default hourly), per `server.retention`. */
export function startRetention(store: StateStore, policy: ServerConfig['retention'], log: Logger, options: { intervalMs?: number; now?: () => number } = {}): Retention {
  const now = options.now ?? Date.now;
  const runOnce = async () => {
    const pruned = await store.prune({
      olderThan: new Date(now() - policy.days * dayMs).toISOString(),
      maxSyncsPerApp: policy.maxSyncsPerApp,
      maxDeliveries: policy.maxDeliveries,
      maxDriftReportsPerApp: policy.maxDriftReportsPerApp,
    });
    if (pruned.syncs > 0 || pruned.deliveries > 0 || pruned.driftReports > 0) log.info('history pruned', { ...pruned, days: policy.days });
    return pruned;
  };
  const tick = () => void runOnce().catch((err: unknown) => log.warn('pruning history failed', { message: err instanceof Error ? err.message : String(err) }));
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 60 * 60 * 1000);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
