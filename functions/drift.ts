import { perContainer } from '../src/wiring/lambda-env.ts';
import { lambdaDriftFromEnv, type DriftTick, type LambdaDrift } from '../src/wiring/lambda-drift.ts';
import type { ScheduledEvent } from './events.ts';

/**
 * EventBridge schedule → one drift run: every app's branch head is checked (the fallback for pushes
 * whose webhook never arrived) and checks are fanned out through the queue, one per app, never for
 * an app whose previous one is still pending. The run itself queues; the worker does the work.
 */
export function createDriftHandler(load: () => Promise<LambdaDrift>): (event: ScheduledEvent) => Promise<DriftTick> {
  return async (event) => {
    const drift = await load();
    const tick = await drift.tick();
    drift.log.info('drift run', { scheduledAt: event.time, polled: tick.polled, driftChecks: tick.driftChecks });
    return tick;
  };
}

export const handler = createDriftHandler(perContainer(lambdaDriftFromEnv));
