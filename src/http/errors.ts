import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isDriftlessError, type ErrorCode } from '../core/errors.ts';
import type { Logger } from '../service/engine.ts';

const statusByCode: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  APP_NOT_FOUND: 404,
  REVISION_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  // What the repository holds cannot be applied as it is: the client's request was fine, Git is not.
  RENDER_FAILED: 422,
  MANIFEST_INVALID: 422,
  DUPLICATE_OBJECT: 422,
  EMPTY_RENDER: 422,
  REMOTE_REFUSED: 422,
  PATH_ESCAPE: 422,
  NOT_ALLOWED: 422,
  PREFLIGHT_FAILED: 422,
  ADMISSION_DENIED: 422,
  OWNERSHIP_CONFLICT: 409,
  INVENTORY_UNTRUSTED: 409,
  CONFIG_INVALID: 500,
  QUEUE_UNAVAILABLE: 503,
  STATE_UNAVAILABLE: 503,
  RATE_LIMITED: 503,
  SOURCE_UNAVAILABLE: 502,
  GITHUB_ERROR: 502,
  CLUSTER_UNAVAILABLE: 502,
};

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

export function sendError(c: Context, status: ContentfulStatusCode, code: ErrorCode, message: string): Response {
  return c.json(errorBody(code, message), status);
}

/**
 * Every failure leaves as `{error: {code, message}}`. DriftlessError messages are written for
 * users and never hold secret values; anything else is logged and answered without details.
 */
export function respondToError(c: Context, err: unknown, log: Logger): Response {
  if (isDriftlessError(err)) {
    const status = statusByCode[err.code] ?? 500;
    const after = err.details.retryAfterMs;
    if (status >= 500 && typeof after === 'number' && after > 0) c.header('retry-after', String(Math.ceil(after / 1000)));
    if (status >= 500) log.warn('request failed', { path: c.req.path, code: err.code, message: err.message });
    return c.json(errorBody(err.code, err.message), status);
  }
  log.error('unexpected error', { path: c.req.path, message: err instanceof Error ? err.message : String(err) });
  return c.json(errorBody('INTERNAL', 'internal error; see the server log'), 500);
}
