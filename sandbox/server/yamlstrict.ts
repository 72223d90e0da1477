// What sigs.k8s.io/yaml's UnmarshalStrict refuses in an apply body: keys repeated in one mapping
// (goyaml v2's strict mode). The apply patcher checks it after the apply under
// fieldValidation=Strict (a 400) and Warn (a warning the real server cannot put in a header, as the
// text spans lines, so none is seen); undeclared fields are the typed-patch check's business.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

function duplicates(node: unknown, lines: LineCounter, out: string[]): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = pair.key;
      const name = isScalar(key) ? String(key.value) : JSON.stringify(key);
      if (seen.has(name)) {
        const line = isScalar(key) && key.range ? lines.linePos(key.range[0]).line : 0;
        out.push(`line ${line}: key ${JSON.stringify(name)} already set in map`);
      }
      seen.add(name);
      duplicates(pair.value, lines, out);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) duplicates(item as Node, lines, out);
  }
}

/** The strict-decoding error of an apply body, or undefined when no mapping repeats a key. */
export function strictYamlError(raw: string): string | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(raw, { uniqueKeys: false, lineCounter: lines });
  const out: string[] = [];
  duplicates(doc.contents, lines, out);
  if (out.length === 0) return undefined;
  return `error converting YAML to JSON: yaml: unmarshal errors:\n  ${out.join('\n  ')}`;
}
