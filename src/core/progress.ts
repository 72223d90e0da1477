import { AsyncLocalStorage } from 'node:async_hooks';
import type { ObjectRef, Revision } from '../core/types.ts';

export type SyncPhase = 'resolve' | 'render' | 'plan' | 'preflight' | 'apply' | 'prune' | 'inventory' | 'health' | 'done';

/** What a sync reports as it goes (the CLI prints these on stderr; serve may log them). */
export type ProgressEvent =
  | { type: 'phase'; phase: SyncPhase; message: string; revision?: Revision }
  | { type: 'object'; phase: 'apply' | 'prune' | 'health'; ref: ObjectRef; outcome: string; message?: string }
  | { type: 'retry'; message: string };

export type ProgressListener = (event: ProgressEvent) => void;

/*
 * Retries happen deep in the cluster client that wiring builds once per cluster and shares between
 * syncs, so the sync that is waiting is found through the async context rather than a parameter
 * threaded through every client call.
 */
const scope = new AsyncLocalStorage<ProgressListener>();

/** Runs `fn` with `listener` as the receiver of `reportRetry` calls made anywhere beneath it. */
export function withProgressScope<T>(listener: ProgressListener | undefined, fn: () => Promise<T>): Promise<T> {
  return listener ? scope.run(listener, fn) : fn();
}

/** Tells the operation in progress (if any listens) that a call is being retried. */
export function reportRetry(message: string): void {
  scope.getStore()?.({ type: 'retry', message });
}
