/**
 * Expected failures carry a stable `code` (for scripts, HTTP bodies and exit codes)
 * and a message a user can act on. Unexpected failures stay plain `Error`s.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'SECRET_UNAVAILABLE'
  | 'SECRET_NOT_FOUND'
  | 'SECRET_ACCESS_DENIED'
  | 'SECRET_DECRYPT_FAILED'
  | 'SECRET_THROTTLED'
  | 'SECRET_INVALID'
  | 'KUBECONFIG_REFUSED'
  | 'APP_NOT_FOUND'
  | 'SOURCE_UNAVAILABLE'
  | 'REVISION_NOT_FOUND'
  | 'SOURCE_INVALID'
  | 'RENDER_FAILED'
  | 'MANIFEST_INVALID'
  | 'DUPLICATE_OBJECT'
  | 'REMOTE_REFUSED'
  | 'PATH_ESCAPE'
  | 'UNKNOWN_KIND'
  | 'NOT_ALLOWED'
  | 'OWNERSHIP_CONFLICT'
  | 'PREFLIGHT_FAILED'
  | 'APPLY_FAILED'
  | 'APPLY_CONFLICT'
  | 'ADMISSION_DENIED'
  | 'PRUNE_FAILED'
  | 'PRUNE_REFUSED'
  | 'INVENTORY_UNTRUSTED'
  | 'NOT_SYNCED'
  | 'EMPTY_RENDER'
  | 'HEALTH_TIMEOUT'
  | 'HEALTH_FAILED'
  | 'CLUSTER_UNAVAILABLE'
  | 'CLUSTER_UNAUTHORIZED'
  | 'GITHUB_ERROR'
  | 'RATE_LIMITED'
  | 'TOOL_MISSING'
  | 'UNAUTHORIZED'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'QUEUE_UNAVAILABLE'
  | 'STATE_UNAVAILABLE'
  | 'DATA_DIR_LOCKED'
  | 'WORKER_TIMEOUT'
  | 'INTERNAL';

export interface ErrorDetails {
  /** File the error is about, relative to the repository root or the config file's folder. */
  file?: string;
  line?: number;
  /** Dotted or JSON-pointer path of the field at fault. */
  field?: string;
  /** The object (kind/namespace/name) the error is about. */
  object?: string;
  /** Whether retrying the same work later may succeed. */
  transient?: boolean;
  [key: string]: unknown;
}

export class DriftlessError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DriftlessError';
    this.code = code;
    this.details = details;
  }

  get transient(): boolean {
    return this.details.transient === true;
  }

  toJSON(): { code: ErrorCode; message: string; details?: ErrorDetails } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export function isDriftlessError(err: unknown, code?: ErrorCode): err is DriftlessError {
  return err instanceof DriftlessError && (code === undefined || err.code === code);
}

/** "file:line" or "file", for messages. */
export function where(file?: string, line?: number): string {
  if (!file) return '';
  return line !== undefined ? `${file}:${line}` : file;
}
