import { loggable, type LogFields, type Logger, type LogLevel } from '../../ports/logger.ts';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** The `service` key of every line (Powertools' serviceName on Lambda). */
  service?: string;
  /** Default: every line to stderr (serve's stdout is the CLI's own output). */
  write?: (line: string, level: Exclude<LogLevel, 'silent'>) => void;
  now?: () => Date;
}

const defaultWrite = (line: string): void => {
  process.stderr.write(line);
};

/**
 * serve's logger: one JSON object per line in the shape Powertools Logger writes on Lambda
 * (level in capitals, message, timestamp, service, then context and fields), so one log query
 * reads both.
 */
export function createJsonLogger(options: JsonLoggerOptions = {}, context: LogFields = {}): Logger {
  const threshold = rank[options.level ?? 'info'];
  const service = options.service ?? 'driftless';
  const write = options.write ?? defaultWrite;
  const now = options.now ?? (() => new Date());
  const emit = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields: LogFields = {}) => {
    if (rank[level] < threshold) return;
    const line: LogFields = { level: level.toUpperCase(), message, timestamp: now().toISOString(), service };
    for (const [key, value] of Object.entries({ ...context, ...fields })) {
      if (value !== undefined && !(key in line)) line[key] = loggable(value);
    }
    write(`${JSON.stringify(line)}\n`, level);
  };
  return {
    debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'),
    child: (fields) => createJsonLogger(options, { ...context, ...fields }),
  };
}
