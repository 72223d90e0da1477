import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { loggable, type LogFields, type Logger, type LogLevel } from '../../ports/logger.ts';

function wrap(logger: PowertoolsLogger): Logger {
  // Powertools writes every enumerable property of an Error, its stack and cause chain: see loggable.
  const extra = (fields: LogFields | undefined) => Object.fromEntries(Object.entries(fields ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, loggable(v)]));
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
