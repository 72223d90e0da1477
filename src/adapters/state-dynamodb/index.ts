export { createDynamoStateStore, DynamoStateStore } from './dynamo-state.ts';
export type { DynamoStateOptions } from './dynamo-state.ts';
export { stateTableDefinition, ttlAttribute } from './table.ts';
