import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogFields, Logger, LogLevel } from '../../ports/logger.ts';

/**
 * Powertools writes every enumerable property of an Error, its stack and its cause chain: an
 * octokit or client-node error carries the request (Authorization header) and the response body.
 * Keep what serve's logger keeps: name, message, code.
 */
function plain(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  return { name: value.name, message: value.message, ...(typeof code === 'string' ? { code } : {}) };
}

function wrap(logger: PowertoolsLogger): Logger {
  const extra = (fields: LogFields | undefined) => Object.fromEntries(Object.entries(fields ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, plain(v)]));
  return {
    debug: (message, fields) => logger.debug(message, extra(fields)),
    info: (message, fields) => logger.info(message, extra(fields)),
    warn: (message, fields) => logger.warn(message, extra(fields)),
    error: (message, fields) => logger.error(message, extra(fields)),
    child: (fields) => wrap(logger.createChild({ persistentKeys: extra(fields) })),
  };
}

/**
 * The Lambda logger: Powertools Logger (CloudWatch-friendly JSON, xray_trace_id from the runtime),
 * the same keys as serve's createJsonLogger. `level` is resolved by resolveLogLevel; passing it
 * keeps driftless' precedence rather than Powertools' own.
 */
export function createPowertoolsLogger(options: { level?: LogLevel; service?: string } = {}): Logger {
  return wrap(new PowertoolsLogger({ serviceName: options.service ?? 'driftless', logLevel: (options.level ?? 'info').toUpperCase() as Uppercase<LogLevel> }));
}
