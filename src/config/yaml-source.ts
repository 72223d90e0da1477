import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import type { ConfigIssue, FieldPath } from './issues.ts';

/** A parsed YAML document that can tell the line of any field path in it. */
export interface LocatedDocument {
  data: unknown;
  /** 1-based line of the value at `path` (or of the nearest existing parent); with `key`, of that key inside it. */
  lineOf(path: FieldPath, key?: string): number | undefined;
  /** 1-based line where the document starts. */
  line: number;
}

// Small alias budget: a config never needs many, and it bounds "billion laughs" expansion.
const MAX_ALIAS_COUNT = 100;

function keyName(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

function startOf(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    if (range) return range[0];
  }
  return undefined;
}

function locate(doc: Document, counter: LineCounter, path: FieldPath, key?: string): number | undefined {
  let node: unknown = doc.contents;
  let offset = startOf(node);
  const segments = key === undefined ? path : [...path, key];
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyName(item.key) === String(segment));
      if (!pair) break;
      // The key's line: it names the field, and a block map's value starts a line later.
      offset = startOf(pair.key) ?? startOf(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = startOf(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

/**
 * Parses every YAML document in `text`, keeping positions. YAML syntax errors (including
 * duplicate keys and too many aliases) come back as issues naming file and line.
 */
export function parseYamlDocuments(text: string, file: string): { documents: LocatedDocument[]; issues: ConfigIssue[] } {
  const counter = new LineCounter();
  const issues: ConfigIssue[] = [];
  const documents: LocatedDocument[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: counter, prettyErrors: true })) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const line = error.linePos?.[0].line ?? (error.pos ? counter.linePos(error.pos[0]).line : undefined);
        issues.push({ file, line, field: '', message: `YAML syntax: ${error.message.split('\n')[0]}` });
      }
      continue;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      issues.push({ file, line: undefined, field: '', message: `YAML: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const start = startOf(doc.contents) ?? 0;
    documents.push({ data, line: counter.linePos(start).line, lineOf: (path, key) => locate(doc, counter, path, key) });
  }
  return { documents, issues };
}
