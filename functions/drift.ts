import { perContainer } from '../src/wiring/lambda-env.ts';
import { lambdaDriftFromEnv, type DriftTick, type LambdaDrift } from '../src/wiring/lambda-drift.ts';
import type { ScheduledEvent } from './events.ts';

/**
 * EventBridge schedule → one run: every app's branch head is checked (the fallback for pushes whose
 * webhook never arrived), a sync queued for each that moved unless one is still pending, then the
 * drift checks (self-heal goes through the queue as ordinary syncs). Queued GitHub writes (drift
 * issues) are sent before the handler returns.
 */
export function createDriftHandler(load: () => Promise<LambdaDrift>): (event: ScheduledEvent) => Promise<DriftTick> {
  return async (event) => {
    const drift = await load();
    try {
      const tick = await drift.tick();
      drift.log.info('drift run', { scheduledAt: event.time, polled: tick.polled, ...(tick.drift ? { drift: tick.drift } : {}) });
      return tick;
    } finally {
      await drift.flush().catch((err: unknown) => drift.log.warn('writing to GitHub failed', { error: err instanceof Error ? err.message : String(err) }));
    }
  };
}

export const handler = createDriftHandler(perContainer(lambdaDriftFromEnv));
