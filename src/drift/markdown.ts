import type { DriftedObject, DriftReport } from '../core/types.ts';

export interface DriftMarkdownOptions {
  /** Where the full report lives (GET /apps/{app}/drift): linked when objects are left out. */
  detailsUrl?: string;
  /** Longest output; objects past it are left out and counted. Default: no limit. */
  maxChars?: number;
}

const VALUE_CHARS = 120;

/** A value for a table cell: compact JSON, shortened, with nothing that breaks the table. */
function cell(value: unknown): string {
  if (value === undefined) return '_(absent)_';
  let text = JSON.stringify(value) ?? 'null';
  if (text.length > VALUE_CHARS) text = `${text.slice(0, VALUE_CHARS - 1)}…`;
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

function objectName(o: DriftedObject): string {
  const kind = o.ref.group ? `${o.ref.kind}.${o.ref.group}` : o.ref.kind;
  return `${kind} ${o.ref.namespace ? `${o.ref.namespace}/` : ''}${o.ref.name}`;
}

const STATE: Record<DriftedObject['state'], string> = {
  modified: 'modified in the cluster',
  missing: 'missing: deleted from the cluster',
  extra: 'extra: gone from Git, not yet pruned',
};

function objectBlock(o: DriftedObject): string {
  const lines = [`#### \`${objectName(o)}\`: ${STATE[o.state]}`];
  if (o.origin) lines.push(`From \`${o.origin.file}${o.origin.line ? `:${o.origin.line}` : ''}\`.`);
  if (o.fields.length > 0) {
    lines.push('', '| Field | Git (last synced) | Cluster | Changed by |', '| --- | --- | --- | --- |');
    for (const f of o.fields) lines.push(`| \`${f.path}\` | ${cell(f.desired)} | ${cell(f.live)} | ${f.manager ? `\`${f.manager}\`` : '_(unknown)_'} |`);
  }
  return lines.join('\n');
}

/**
 * One app's drift report as Markdown: what `driftless drift --markdown` prints and what the
 * GitHub issue body shows. Deterministic (no check time: an unchanged drift gives the same text,
 * so an issue is not edited for nothing); Secret values arrive masked in the report.
 */
export function driftMarkdown(report: DriftReport, options: DriftMarkdownOptions = {}): string {
  const head: string[] = [`### App \`${report.app}\`: ${report.status}`, ''];
  if (report.revision) head.push(`Compared with the last synced revision \`${report.revision.sha.slice(0, 12)}\` (${report.revision.ref}).`);
  if (report.pending) head.push(`Git has moved on: \`${report.pending.slice(0, 12)}\` is not synced yet (pending).`);
  if (report.status === 'Unknown' && report.reason) head.push('', `Drift could not be checked (\`${report.reason.code}\`): ${report.reason.message}`);
  if (report.status === 'Synced') head.push('', 'The cluster holds what driftless last synced.');
  if (report.status === 'OutOfSync') {
    const count = (state: DriftedObject['state']): number => report.objects.filter((o) => o.state === state).length;
    head.push('', `${report.objects.length} object${report.objects.length === 1 ? '' : 's'} differ from Git: ${count('modified')} modified, ${count('missing')} missing, ${count('extra')} extra.`);
  }
  let text = head.join('\n');
  const max = options.maxChars ?? Infinity;
  const blocks = report.objects.map(objectBlock);
  for (let i = 0; i < blocks.length; i++) {
    const left = blocks.length - i;
    const tail = `\n\n_…and ${left} more object${left === 1 ? '' : 's'}${options.detailsUrl ? `: see ${options.detailsUrl}` : ''}._`;
    const next = `${text}\n\n${blocks[i]}`;
    // Room is kept for the closing line whenever objects may still be left out.
    if (next.length + (i < blocks.length - 1 ? tail.length : 0) > max) {
      text += tail;
      break;
    }
    text = next;
  }
  if (text.length > max) text = `${text.slice(0, Math.max(0, max - 1))}…`;
  return `${text}\n`;
}
