import { isDriftlessError } from '../core/errors.ts';

/** What a drift report's Unknown says, by the code of what stopped the check. */
const WHAT: Record<string, string> = {
  CLUSTER_UNAVAILABLE: 'cluster unreachable',
  CLUSTER_UNAUTHORIZED: 'credentials refused or permission missing',
  SECRET_UNAVAILABLE: 'credentials unavailable',
  SOURCE_UNAVAILABLE: 'source unavailable',
  REVISION_NOT_FOUND: 'last synced revision not found in the repository',
  RENDER_FAILED: 'render failed',
  MANIFEST_INVALID: 'render failed',
  DUPLICATE_OBJECT: 'render failed',
  REMOTE_REFUSED: 'render failed',
  PATH_ESCAPE: 'render failed',
  UNKNOWN_KIND: 'render failed',
  TOOL_MISSING: 'render failed',
};

/** The reason of an Unknown report: the failure's own code, and a message that starts with what kind of failure it was. */
export function unknownReason(err: unknown): { code: string; message: string } {
  if (isDriftlessError(err)) {
    // A 403 is a permission the identity lacks; a 401 is credentials the cluster refused.
    const what = err.code === 'CLUSTER_UNAUTHORIZED' ? (err.details.status === 403 ? 'permission missing' : 'credentials refused') : WHAT[err.code];
    return { code: err.code, message: what ? `${what}: ${err.message}` : err.message };
  }
  return { code: 'INTERNAL', message: `unexpected error: ${err instanceof Error ? err.message : String(err)}` };
}
