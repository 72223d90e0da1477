import { isMap, isSeq, LineCounter, parseAllDocuments, type Document, type DocumentOptions, type Node, type ParseOptions as YamlParseOptions, type SchemaOptions } from 'yaml';
import { DriftlessError, where } from '../core/errors.ts';
import { isRecord } from '../core/objects.ts';
import type { KubeObject, Manifest, Origin } from '../core/types.ts';

export interface ParseLimits {
  /** Largest file (or kustomize output) accepted, in bytes. */
  maxFileBytes: number;
  /** Aliases expanded per document before it is refused as a resource exhaustion attack. */
  maxAliasCount: number;
}

export const defaultParseLimits: ParseLimits = { maxFileBytes: 8 * 1024 * 1024, maxAliasCount: 100 };

export interface ParseOptions extends ParseLimits {
  /** Repository path named in errors and origins. */
  file: string;
  /**
   * Output of a tool (kustomize) rather than a file in the repository: line numbers mean nothing
   * to the user, and objects are kept as the tool printed them (even without apiVersion).
   */
  toolOutput: boolean;
}

/**
 * YAML 1.1 as kubectl reads manifests (sigs.k8s.io/yaml): `0644` is octal, `yes` is true.
 * Timestamps stay strings: Kubernetes fields are strings, never dates.
 */
export const yamlOptions: YamlParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: (tags) => tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:timestamp'),
};

function invalid(file: string, line: number | undefined, problem: string): DriftlessError {
  return new DriftlessError('MANIFEST_INVALID', `${where(file, line)}: ${problem}`, line === undefined ? { file } : { file, line });
}

export function oversize(file: string, bytes: number, limits: ParseLimits): DriftlessError {
  return invalid(file, undefined, `${bytes} bytes is over the ${limits.maxFileBytes}-byte limit for one file; split it into smaller files.`);
}

/** Decodes UTF-8 after checking the size bound; errors name the file. */
export function decodeManifestFile(bytes: Uint8Array, file: string, limits: ParseLimits): string {
  if (bytes.byteLength > limits.maxFileBytes) throw oversize(file, bytes.byteLength, limits);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(file, undefined, 'is not valid UTF-8 text.');
  }
}

/** A YAML stream parsed once, so that callers reading it twice (Secrets, then manifests) do not parse it twice. */
export interface ParsedYaml {
  docs: Document.Parsed[];
  counter: LineCounter;
}

export function parseYaml(text: string): ParsedYaml {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { ...yamlOptions, lineCounter: counter, prettyErrors: false });
  return { docs: Array.isArray(docs) ? docs : [], counter };
}

/** Parses a YAML stream into plain JS documents (null documents dropped), with their start lines. */
export function parseYamlStream(text: string, options: ParseOptions, parsed: ParsedYaml = parseYaml(text)): Array<{ value: unknown; line: number | undefined; doc: Document; counter: LineCounter }> {
  const { docs, counter } = parsed;
  const lineAt = (offset: number): number | undefined => (!options.toolOutput ? counter.linePos(offset).line : undefined);
  const out: Array<{ value: unknown; line: number | undefined; doc: Document; counter: LineCounter }> = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      throw invalid(options.file, lineAt(error.pos[0]), `YAML syntax error: ${message}`);
    }
    const line = doc.contents ? lineAt(doc.contents.range[0]) : undefined;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: options.maxAliasCount });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw invalid(options.file, line, `cannot read this document (${reason}); YAML aliases are limited to ${options.maxAliasCount} per document.`);
    }
    if (value === null || value === undefined) continue;
    out.push({ value, line, doc, counter });
  }
  return out;
}

function checkObject(value: unknown, file: string, line: number | undefined, lenient: boolean): KubeObject {
  if (!isRecord(value)) throw invalid(file, line, `a manifest must be a mapping (an object), this document is ${Array.isArray(value) ? 'a list' : typeof value}.`);
  const missing: string[] = [];
  // kustomize prints objects without apiVersion as they are; its output is kept as printed.
  if ((typeof value.apiVersion !== 'string' || value.apiVersion === '') && !lenient) missing.push('apiVersion');
  if (typeof value.kind !== 'string' || value.kind === '') missing.push('kind');
  const metadata = value.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') missing.push('metadata.name');
  if (missing.length > 0) {
    const kind = typeof value.kind === 'string' ? `${value.kind} ` : '';
    throw invalid(file, line, `${kind}object has no ${missing.join(', ')}; every manifest needs apiVersion, kind and metadata.name.`);
  }
  if (isRecord(metadata) && metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
    throw invalid(file, line, 'metadata.namespace must be a string.');
  }
  return value as KubeObject;
}

function isListKind(value: unknown): value is { kind: string; items: unknown[] } {
  if (!isRecord(value) || typeof value.kind !== 'string' || !Array.isArray(value.items)) return false;
  // kubectl expands v1 List and every *List kind that carries items (DeploymentList, …).
  return value.kind === 'List' || (value.kind.endsWith('List') && !(isRecord(value.metadata) && typeof value.metadata.name === 'string'));
}

function itemLines(doc: Document, counter: LineCounter, lines: boolean): Array<number | undefined> {
  const node = doc.getIn(['items'], true) as Node | undefined;
  if (!lines || !isSeq(node)) return [];
  return node.items.map((item) => (isMap(item) || isSeq(item) || (item && typeof item === 'object' && 'range' in item) ? counter.linePos((item as Node).range?.[0] ?? 0).line : undefined));
}

/** Parses a manifest stream: every document an object with apiVersion, kind and metadata.name. */
export function parseManifests(text: string, options: ParseOptions, origin?: Origin, parsed?: ParsedYaml): Manifest[] {
  const manifests: Manifest[] = [];
  for (const { value, line, doc, counter } of parseYamlStream(text, options, parsed)) {
    const originOf = (at: number | undefined): Origin => origin ?? (at === undefined ? { file: options.file } : { file: options.file, line: at });
    if (isListKind(value)) {
      const lines = itemLines(doc, counter, !options.toolOutput);
      value.items.forEach((item, index) => {
        const at = lines[index] ?? line;
        manifests.push({ object: checkObject(item, options.file, at, options.toolOutput), origin: originOf(at) });
      });
      continue;
    }
    manifests.push({ object: checkObject(value, options.file, line, options.toolOutput), origin: originOf(line) });
  }
  return manifests;
}

/**
 * Refuses a YAML stream whose aliases expand past the bound (a "billion laughs"), naming
 * file:line. Used on files handed to kustomize, which would spin on them for minutes; syntax
 * errors are left for kustomize to report in its own words.
 */
export function assertNoAliasBomb(text: string, file: string, limits: ParseLimits): void {
  if (!text.includes('*')) return;
  const counter = new LineCounter();
  for (const doc of parseAllDocuments(text, { ...yamlOptions, lineCounter: counter, prettyErrors: false })) {
    if (doc.errors.length > 0) continue;
    try {
      doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (err) {
      const line = doc.contents ? counter.linePos(doc.contents.range[0]).line : undefined;
      const reason = err instanceof Error ? err.message : String(err);
      throw invalid(file, line, `cannot read this document (${reason}); YAML aliases are limited to ${limits.maxAliasCount} per document.`);
    }
  }
}
