import { perContainer } from '../src/wiring/lambda-env.ts';
import { lambdaDriftFromEnv, type DriftTick, type LambdaDrift } from '../src/wiring/lambda-drift.ts';
import type { ScheduledEvent } from './events.ts';

/**
 * EventBridge schedule → one run: every app's branch head is checked (the fallback for pushes whose
 * webhook never arrived), a sync queued for each that moved unless one is still pending, then one
 * drift check per app is queued for the worker, none for an app whose previous check is still
 * pending. The run is named by the schedule's time, so EventBridge delivering it twice queues each
 * check once.
 */
export function createDriftHandler(load: () => Promise<LambdaDrift>): (event: ScheduledEvent) => Promise<DriftTick> {
  return async (event) => {
    const drift = await load();
    try {
      const tick = await drift.tick(event.time);
      drift.log.info('drift run', {
        scheduledAt: event.time, polled: tick.polled,
        driftQueued: tick.drift.queued.length, driftPending: tick.drift.pending, ...(tick.drift.failed.length ? { driftNotQueued: tick.drift.failed } : {}),
      });
      return tick;
    } finally {
      await drift.flush().catch((err: unknown) => drift.log.warn('writing metrics failed', { error: err instanceof Error ? err.message : String(err) }));
    }
  };
}

export const handler = createDriftHandler(perContainer(lambdaDriftFromEnv));
