/**
 * Structured logs: one JSON object per line, the same shape in `serve` and on Lambda. Fields are
 * names and ids, never secret values (an error names the secret reference, never its value).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export type LogFields = Record<string, unknown>;

/**
 * What a line carries where known, under these keys: the app, the revision (full SHA), the webhook
 * delivery id, the sync id and the trace id (W3C traceparent or X-Amzn-Trace-Id of the request
 * that started the work, else the delivery or sync id).
 */
export interface LogContext {
  app?: string;
  revision?: string;
  delivery?: string;
  sync?: string;
  trace?: string;
}

export interface Logger {
  debug?(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose every line carries `fields` too (the adapters' own; withContext falls back to merging). */
  child?(fields: LogFields): Logger;
}

/**
 * A field value as a log line may hold it: every Error in it, however deep, reduced to name, message
 * and code. Serialised whole, an Error writes its enumerable properties (an octokit or client-node
 * error: the request with its Authorization header, the response body) and, in Powertools, its
 * stack and cause chain.
 */
export function loggable(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (depth >= 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => loggable(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, loggable(item, depth + 1)]));
}

export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => silentLogger };

/** `log` with `context` on every line; undefined values are left out. */
export function withContext(log: Logger, context: LogContext & LogFields): Logger {
  const fields = Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined));
  if (log.child) return log.child(fields);
  const merged = (emit: (message: string, extra?: LogFields) => void) => (message: string, extra?: LogFields) => emit(message, { ...fields, ...extra });
  return {
    debug: merged((m, f) => log.debug?.(m, f)),
    info: merged((m, f) => log.info(m, f)),
    warn: merged((m, f) => log.warn(m, f)),
    error: merged((m, f) => log.error(m, f)),
    child: (more) => withContext(log, { ...fields, ...more }),
  };
}

/**
 * The level in force: DRIFTLESS_LOG_LEVEL, then LOG_LEVEL (Powertools' and Lambda's own variable),
 * then the config's server.logLevel, then info. An unknown value is skipped, not fatal.
 */
export function resolveLogLevel(configured: LogLevel | undefined, env: Record<string, string | undefined>): LogLevel {
  for (const candidate of [env.DRIFTLESS_LOG_LEVEL, env.LOG_LEVEL]) {
    const level = candidate?.trim().toLowerCase();
    if (level === 'warning') return 'warn';
    if (level && (logLevels as readonly string[]).includes(level)) return level as LogLevel;
  }
  return configured ?? 'info';
}
