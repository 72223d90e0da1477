export type * from './types.ts';
export { loadConfig, readArgoCDFiles, DEFAULT_CONFIG_FILE } from './load.ts';
export { parseConfig, type ParseConfigOptions } from './parse.ts';
export type { ArgoCDFile, ArgoCDReader } from './argocd.ts';
export { configSchema, configSchemaText } from './schema.ts';
export { parseDuration } from './duration.ts';
export type { ConfigIssue } from './issues.ts';
