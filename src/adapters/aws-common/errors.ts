import { DriftlessError, type ErrorCode } from '../../core/errors.ts';
import { isTransientNetworkError, isTransientStatus } from '../../core/retry.ts';

/** Error names AWS services use for "slow down" (each service spells it its own way). */
const throttled = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException',
  'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'TooManyRequestsException', 'SlowDown',
  'LimitExceededException', 'TransactionInProgressException', 'InternalError', 'InternalFailure', 'ServiceUnavailable',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Whether an AWS SDK v3 error may pass if the same call is made later. */
export function isTransientAwsError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as SdkErrorShape;
  if (e.name !== undefined && throttled.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return isTransientStatus(status);
  return isTransientNetworkError(err);
}

/**
 * An AWS SDK error as the DriftlessError it stands for, naming the resource (never a value read
 * from it). Already-translated errors pass through.
 */
export function translateAwsError(err: unknown, code: ErrorCode, what: string): DriftlessError {
  if (err instanceof DriftlessError) return err;
  const e = (err && typeof err === 'object' ? err : {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const detail = e.message && e.message !== name ? `${name}: ${e.message}` : name;
  return new DriftlessError(code, `${what}: ${detail}`, { transient: isTransientAwsError(err), awsError: name }, { cause: err });
}
