import type { TransientVerdict } from '../core/retry.ts';

/**
 * When a queue message whose sync failed transiently comes back. SQS would show it again only after
 * the queue's visibility timeout (6 × the worker's timeout: 90 minutes for a 15-minute worker), and
 * a FIFO message group stays blocked meanwhile, so the worker shortens it: 30 s after the first
 * receive, doubling per receive up to 15 minutes, half of it jittered so that apps that failed
 * together do not come back together. A wait the failing system asked for (Retry-After) is honoured
 * when longer. SQS caps a visibility timeout at 12 hours.
 */
export function redeliveryDelaySeconds(receiveCount: number, verdict: TransientVerdict, random: () => number = Math.random): number {
  const ceiling = Math.min(900, 30 * 2 ** Math.max(0, receiveCount - 1));
  const backoff = Math.ceil(ceiling / 2 + random() * (ceiling / 2));
  const asked = verdict.retryAfterMs !== undefined ? Math.ceil(verdict.retryAfterMs / 1000) : 0;
  return Math.min(12 * 3600, Math.max(backoff, asked));
}

/** The receive after which SQS moves the message to the dead-letter queue instead of delivering it again. */
export function isFinalReceive(receiveCount: number, maxReceiveCount: number): boolean {
  return receiveCount >= maxReceiveCount;
}
