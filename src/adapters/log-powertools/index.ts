export { createPowertoolsLogger } from './powertools-logger.ts';
