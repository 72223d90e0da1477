export { createJsonLogger, type JsonLoggerOptions } from './json-logger.ts';
