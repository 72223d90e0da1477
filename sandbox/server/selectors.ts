import type { Obj } from '../contracts.ts';
import { badRequest } from './status.ts';

type Requirement = { key: string; op: 'in' | 'notin' | 'exists' | '!exists' | '=' | '!='; values: string[] };
export type Matcher = (labels: Record<string, string>) => boolean;

/** Parses a label selector with the full syntax of k8s.io/apimachinery/pkg/labels (=, ==, !=, in, notin, exists, !key). */
export function parseLabelSelector(text: string | null | undefined): Matcher | undefined {
  if (!text || !text.trim()) return undefined;
  const reqs: Requirement[] = [];
  for (const part of splitTopLevel(text)) {
    const s = part.trim();
    if (!s) continue;
    let m: RegExpMatchArray | null;
    if ((m = s.match(/^!\s*([A-Za-z0-9._/-]+)$/))) reqs.push({ key: m[1]!, op: '!exists', values: [] });
    else if ((m = s.match(/^([A-Za-z0-9._/-]+)\s+(in|notin)\s*\(([^)]*)\)$/))) reqs.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()).filter((v, i, a) => v !== '' || a.length === 1) });
    else if ((m = s.match(/^([A-Za-z0-9._/-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$/))) reqs.push({ key: m[1]!, op: m[2] === '!=' ? '!=' : '=', values: [m[3]!] });
    else if ((m = s.match(/^([A-Za-z0-9._/-]+)$/))) reqs.push({ key: m[1]!, op: 'exists', values: [] });
    else throw badRequest(`unable to parse requirement: found '${s}', expected: valid label selector`);
  }
  return (labels) => reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'exists': return has;
      case '!exists': return !has;
      case '=': return has && v === r.values[0];
      case '!=': return !has || v !== r.values[0];
      case 'in': return has && r.values.includes(v!);
      case 'notin': return !has || !r.values.includes(v!);
    }
  });
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

export type ObjMatcher = (obj: Obj) => boolean;

/** Field selectors every type supports: metadata.name and metadata.namespace (=, ==, !=). */
export function parseFieldSelector(text: string | null | undefined): ObjMatcher | undefined {
  if (!text || !text.trim()) return undefined;
  const tests: ObjMatcher[] = [];
  for (const part of text.split(',')) {
    const m = part.trim().match(/^([A-Za-z0-9._]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const read = fieldReader(field);
    if (!read) throw badRequest(`field label not supported: ${field}`);
    tests.push(op === '!=' ? (o) => read(o) !== value : (o) => read(o) === value);
  }
  return (o) => tests.every((t) => t(o));
}

/** Type-specific fields clients select on (kubectl events, pods on nodes, …), as the real registries allow them. */
const selectable = new Set(['status.phase', 'status.podIP', 'status.nominatedNodeName', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'type', 'reason', 'reportingComponent', 'reportingController', 'spec.signerName']);

function fieldReader(field: string): ((o: Obj) => string) | undefined {
  const meta = (o: Obj): Record<string, unknown> => (o.metadata ?? {}) as Record<string, unknown>;
  if (field === 'metadata.name') return (o) => String(meta(o).name ?? '');
  if (field === 'metadata.namespace') return (o) => String(meta(o).namespace ?? '');
  // A few type-specific fields clients use (kubectl get events, pods on nodes).
  if (field === 'source') return (o) => String(((o.source ?? o.deprecatedSource ?? {}) as Record<string, unknown>).component ?? '');
  // Events are stored in either shape (events.ts): each API's field names read both.
  const ev = /^(involvedObject|regarding)\.(kind|name|namespace|uid|apiVersion|resourceVersion|fieldPath)$/.exec(field);
  if (ev) {
    return (o) => {
      const ref = (o.involvedObject ?? o.regarding ?? {}) as Record<string, unknown>;
      return ref[ev[2]!] === undefined ? '' : String(ref[ev[2]!]);
    };
  }
  if (field === 'reportingController' || field === 'reportingComponent') return (o) => String(o.reportingController ?? o.reportingComponent ?? '');
  if (selectable.has(field)) {
    return (o) => {
      let cur: unknown = o;
      for (const k of field.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
      return cur === undefined ? '' : String(cur);
    };
  }
  return undefined;
}

export function labelsOf(obj: Obj): Record<string, string> {
  const meta = obj.metadata as { labels?: Record<string, string> } | undefined;
  return meta?.labels ?? {};
}
