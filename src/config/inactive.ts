import { isRecord } from '../core/objects.ts';
import { formatField, formatIssue, type FieldPath } from './issues.ts';
import type { LocatedDocument } from './yaml-source.ts';

/*
 * Settings the schema accepts but driftless does not act on yet. Until their issues land, every
 * command that loads the config warns about each one it finds, naming file, line and field: a
 * setting that silently does nothing would be worse than one refused.
 */

export const NOT_YET_ACTIVE = {
  secret: 'is not yet active: {secret: …} (AWS Secrets Manager) cannot be read yet, so whatever needs this value fails; use {env: NAME} or {file: PATH} for now',
} as const;

/** A secret reference {secret, key?}: the only maps in driftless.yaml with a string `secret`. */
function isSecretManagerRef(value: Record<string, unknown>): boolean {
  return typeof value.secret === 'string' && Object.keys(value).every((key) => key === 'secret' || key === 'key');
}

function secretRefs(value: unknown, at: FieldPath, out: FieldPath[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => secretRefs(item, [...at, i], out));
    return;
  }
  if (!isRecord(value)) return;
  if (isSecretManagerRef(value)) {
    out.push(at);
    return;
  }
  for (const [key, child] of Object.entries(value)) secretRefs(child, [...at, key], out);
}

/** One warning per inactive setting in driftless.yaml, formatted like config errors (file:line: field: message). */
export function inactiveSettings(doc: LocatedDocument, file: string): string[] {
  const warnings: { line: number | undefined; text: string }[] = [];
  const warn = (at: FieldPath, key: string, message: string): void => {
    const line = doc.lineOf(at, key);
    warnings.push({ line, text: formatIssue({ file, line, field: formatField([...at, key]), message }) });
  };
  const data = isRecord(doc.data) ? doc.data : {};
  const refs: FieldPath[] = [];
  secretRefs(data, [], refs);
  for (const at of refs) warn(at, 'secret', NOT_YET_ACTIVE.secret);
  return warnings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)).map((w) => w.text);
}
