import { InProcessSyncQueue, type InProcessQueueOptions } from '../adapters/queue-memory/in-process-queue.ts';
import type { ServiceDeps } from '../service/context.ts';
import { DriftlessService } from '../service/service.ts';

/** A service whose queue runs in this process (serve, tests): the queue's worker is the service. */
export function createInProcessService(
  deps: Omit<ServiceDeps, 'queue'>,
  queueOptions: Omit<InProcessQueueOptions, 'run' | 'onCoalesced' | 'onFailed'> = {},
): { service: DriftlessService; queue: InProcessSyncQueue } {
  const queue: InProcessSyncQueue = new InProcessSyncQueue({
    ...queueOptions,
    run: (request): Promise<void> => service.runRequest(request),
    onCoalesced: (dropped, into) => service.recordCoalesced(dropped, into),
    onFailed: (request, error) => service.recordFailure(request, error),
  });
  // The closures above run only after enqueue, by which time `service` exists.
  const service: DriftlessService = new DriftlessService({ ...deps, queue });
  return { service, queue };
}
