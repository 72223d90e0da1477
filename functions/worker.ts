import { DriftlessError } from '../src/core/errors.ts';
import { classify } from '../src/core/retry.ts';
import { isDriftCheck, type DriftCheckRequest, type QueueMessage, type SyncRequest } from '../src/ports/queue.ts';
import { isFinalReceive, redeliveryDelaySeconds } from '../src/queue/redelivery.ts';
import { perContainer } from '../src/wiring/lambda-env.ts';
import { lambdaWorkerFromEnv, type LambdaWorker } from '../src/wiring/lambda-worker.ts';
import type { LambdaContextLike, SqsBatchResponse, SqsEvent, SqsRecord } from './events.ts';

export interface WorkerHandlerOptions {
  /**
   * No sync starts with less than this left, and one still running when only this is left is recorded
   * as timed out (default 60 s: enough to record, report and answer before Lambda stops the container).
   */
  marginMs?: number;
  random?: () => number;
}

/** The message body is the SyncRequest the enqueuer wrote; anything else is acknowledged and logged. */
export function parseSyncMessage(body: string): SyncRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const r = value as Partial<SyncRequest>;
  const ok = typeof r.id === 'string' && typeof r.app === 'string' && typeof r.enqueuedAt === 'string'
    && !!r.trigger && typeof r.trigger === 'object' && typeof r.trigger.kind === 'string';
  return ok ? (value as SyncRequest) : undefined;
}

/** A drift check the schedule queued (`kind: 'drift-check'`), else a sync request; anything else is undefined. */
export function parseQueueMessage(body: string): QueueMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'drift-check') {
    const r = value as Partial<DriftCheckRequest>;
    return typeof r.id === 'string' && typeof r.app === 'string' && typeof r.run === 'string' && typeof r.enqueuedAt === 'string' ? (value as DriftCheckRequest) : undefined;
  }
  return parseSyncMessage(body);
}

type Outcome = { done: true } | { done: false; error: unknown };

/**
 * SQS FIFO (batch size 1) → one sync per message → a partial batch response. Only transient failures
 * come back, after a back-off set with ChangeMessageVisibility (a failed message blocks its app's
 * group until it is visible again). Permanent failures were recorded by the service and are
 * acknowledged. On the receive after which SQS dead-letters the message, the failure is recorded
 * first, so the app's status says why its message is in the dead-letter queue. A drift check
 * message runs the app's drift check instead (see runDriftCheck).
 */
export function createWorkerHandler(load: () => Promise<LambdaWorker>, options: WorkerHandlerOptions = {}): (event: SqsEvent, context: LambdaContextLike) => Promise<SqsBatchResponse> {
  const marginMs = options.marginMs ?? 60_000;
  const random = options.random ?? Math.random;
  return async (event, context) => {
    const worker = await load();
    const failures: { itemIdentifier: string }[] = [];
    const again = async (record: SqsRecord, seconds: number): Promise<void> => {
      failures.push({ itemIdentifier: record.messageId });
      await worker.retryLater(record.receiptHandle, seconds).catch((err: unknown) =>
        worker.log.warn('could not shorten the message wait; it shows again after the visibility timeout', { message: record.messageId, error: err instanceof Error ? err.message : String(err) }));
    };
    try {
      for (const record of event.Records) {
        // Recording a failure can fail too (the store): the message then comes back after a back-off
        // rather than failing the whole invocation, which would hide it for the full visibility timeout.
        try {
          const message = parseQueueMessage(record.body);
          if (!message) {
            worker.log.error('queue message is neither a sync request nor a drift check; deleted', { message: record.messageId });
            continue;
          }
          const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
          const final = isFinalReceive(receiveCount, worker.maxReceiveCount);
          const budgetMs = context.getRemainingTimeInMillis() - marginMs;
          if (isDriftCheck(message)) {
            const seconds = await runDriftCheck(worker, message, { budgetMs, marginMs, receiveCount, final, random });
            if (seconds !== undefined) await again(record, seconds);
            continue;
          }
          const request = message;
          if (budgetMs <= 0) {
            // Nothing started: the message comes back at once, to a container with time left. On the
            // last receive SQS dead-letters it instead, so the app's status says why first.
            worker.log.warn('too little time left to start a sync', { app: request.app, sync: request.id, remainingMs: context.getRemainingTimeInMillis(), receiveCount });
            if (final) await worker.recordFailure(request, tooLittleTime('sync', context.getRemainingTimeInMillis(), marginMs));
            await again(record, 0);
            continue;
          }
          const outcome = await runWithin(worker.run(request), budgetMs);
          if (outcome === 'timeout') {
            const error = new DriftlessError('WORKER_TIMEOUT', `the sync was still running ${Math.round(budgetMs / 1000)} s into the worker's invocation, ${Math.round(marginMs / 1000)} s before its timeout; raise workerTimeout in infra/settings.yml above the longest health wait`, { transient: true });
            await worker.recordFailure(request, error);
            await again(record, final ? 0 : redeliveryDelaySeconds(receiveCount, classify(error), random));
            continue;
          }
          if (outcome.done) continue;
          const verdict = classify(outcome.error);
          if (!verdict.transient) {
            // The service records permanent failures itself; an error that escaped it is recorded here.
            await worker.recordFailure(request, outcome.error);
            continue;
          }
          if (final) {
            worker.log.error('sync failed on its last attempt; the message goes to the dead-letter queue', { app: request.app, sync: request.id, receiveCount });
            await worker.recordFailure(request, outcome.error);
            await again(record, 0);
            continue;
          }
          const seconds = redeliveryDelaySeconds(receiveCount, verdict, random);
          worker.log.warn('sync failed transiently; retried later', { app: request.app, sync: request.id, receiveCount, retryInSeconds: seconds });
          await again(record, seconds);
        } catch (err) {
          const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
          worker.log.error('could not handle the queue message; retried later', { message: record.messageId, receiveCount, error: err instanceof Error ? err.message : String(err) });
          await again(record, redeliveryDelaySeconds(receiveCount, { ...classify(err), transient: true }, random));
        }
      }
    } finally {
      await worker.flush().catch((err: unknown) => worker.log.warn('reporting to GitHub failed', { error: err instanceof Error ? err.message : String(err) }));
    }
    return { batchItemFailures: failures };
  };
}

/**
 * One queued drift check. Its outcome (drift, or a check that failed) is a stored report, never a
 * retry: only the store or queue failing transiently comes back, after a back-off. On the last
 * receive, or when time runs out, the app gets an Unknown report and the message is acknowledged
 * (the next schedule checks again; a drift check never fills the dead-letter queue).
 * Returns the seconds after which the message shows again, or undefined to acknowledge it.
 */
async function runDriftCheck(worker: LambdaWorker, request: DriftCheckRequest, at: { budgetMs: number; marginMs: number; receiveCount: number; final: boolean; random: () => number }): Promise<number | undefined> {
  const fields = { app: request.app, driftCheck: request.id, receiveCount: at.receiveCount };
  const giveUp = async (error: unknown): Promise<undefined> => {
    await worker.recordDriftFailure(request, error).catch((err: unknown) =>
      worker.log.error('could not record the failed drift check', { ...fields, error: err instanceof Error ? err.message : String(err) }));
    return undefined;
  };
  if (at.budgetMs <= 0) {
    worker.log.warn('too little time left to start a drift check', fields);
    // On the last receive it would go to the dead-letter queue, still pending: let it go instead.
    return at.final ? giveUp(tooLittleTime('drift check', at.budgetMs + at.marginMs, at.marginMs)) : 0;
  }
  const outcome = await runWithin(worker.checkDrift(request), at.budgetMs);
  if (outcome === 'timeout') {
    return giveUp(new DriftlessError('WORKER_TIMEOUT', `the drift check was still running ${Math.round(at.budgetMs / 1000)} s into the worker's invocation, ${Math.round(at.marginMs / 1000)} s before its timeout; the next schedule checks again`, { transient: true }));
  }
  if (outcome.done) return undefined;
  const verdict = classify(outcome.error);
  if (!verdict.transient || at.final) {
    worker.log.error('drift check could not be handled; the next schedule checks again', { ...fields, error: outcome.error instanceof Error ? outcome.error.message : String(outcome.error) });
    return giveUp(outcome.error);
  }
  const seconds = redeliveryDelaySeconds(at.receiveCount, verdict, at.random);
  worker.log.warn('drift check failed transiently; retried later', { ...fields, retryInSeconds: seconds });
  return seconds;
}

function tooLittleTime(what: string, remainingMs: number, marginMs: number): DriftlessError {
  return new DriftlessError('WORKER_TIMEOUT', `the ${what} never started: each receive came with less than the ${Math.round(marginMs / 1000)} s margin left (${Math.round(remainingMs / 1000)} s); raise workerTimeout in infra/settings.yml well above the margin`, { transient: true });
}

function runWithin(work: Promise<void>, ms: number): Promise<Outcome | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work.then((): Outcome => ({ done: true }), (error: unknown): Outcome => ({ done: false, error })),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
  ]).finally(() => clearTimeout(timer));
}

export const handler = createWorkerHandler(perContainer(lambdaWorkerFromEnv));
