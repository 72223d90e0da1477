import type { LocatedDocument } from './yaml-source.ts';

/*
 * Settings the schema accepts but driftless does not act on yet. Until their issues land, every
 * command that loads the config warns about each one it finds, naming file, line and field: a
 * setting that silently does nothing would be worse than one refused. Every setting is active now
 * ({secret: …} references, the last, read AWS Secrets Manager); the hook stays for the next one.
 */

export const NOT_YET_ACTIVE: Readonly<Record<string, string>> = {};

/** One warning per inactive setting in driftless.yaml, formatted like config errors (file:line: field: message). */
export function inactiveSettings(_doc: LocatedDocument, _file: string): string[] {
  return [];
}
