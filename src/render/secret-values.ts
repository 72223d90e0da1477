import { parseAllDocuments, type Document } from 'yaml';
import { isRecord } from '../core/objects.ts';
import type { Scrubber } from '../core/scrub.ts';
import { yamlOptions } from './parse.ts';

/**
 * Collects the values of Secrets a render reads, so that text from kustomize and the API server
 * can be scrubbed of them. Best effort by design: a file that does not parse (the render may be
 * failing because of it) is still searched line by line.
 */

const mentionsSecret = /\bSecret\b/;

/** A core/v1 Secret (or a v1 List of them): its `data` and `stringData` values. */
export function addSecretObject(value: unknown, scrubber: Scrubber): void {
  if (!isRecord(value)) return;
  if (Array.isArray(value.items)) for (const item of value.items) addSecretObject(item, scrubber);
  if (value.kind !== 'Secret' || (value.apiVersion !== undefined && value.apiVersion !== 'v1')) return;
  if (isRecord(value.data)) for (const item of Object.values(value.data)) if (typeof item === 'string') scrubber.addEncoded(item);
  if (isRecord(value.stringData)) for (const item of Object.values(value.stringData)) if (item !== null && item !== undefined) scrubber.add(String(item));
}

/** Values under `data:`/`stringData:` of a document that does not parse, read line by line. */
function scanLines(text: string, scrubber: Scrubber): void {
  const lines = text.split(/\r?\n/);
  let dataIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (/^\s*(data|stringData)\s*:\s*$/.test(line)) {
      dataIndent = indent;
      continue;
    }
    if (dataIndent < 0 || indent <= dataIndent) {
      dataIndent = -1;
      continue;
    }
    const entry = /^\s*["']?[\w.-]+["']?\s*:\s*(.*)$/.exec(line);
    if (!entry) continue;
    const raw = (entry[1] ?? '').trim();
    if (/^[|>][-+]?\d*$/.test(raw)) {
      const block: string[] = [];
      while (i + 1 < lines.length && ((lines[i + 1] ?? '').trim() === '' || (lines[i + 1] ?? '').length - (lines[i + 1] ?? '').trimStart().length > indent)) {
        block.push((lines[++i] ?? '').trim());
      }
      scrubber.add(block.join('\n').trim());
      continue;
    }
    const unquoted = raw.replace(/^(["'])(.*)\1$/, '$2');
    scrubber.add(unquoted);
    scrubber.addEncoded(unquoted);
  }
}

/**
 * Every Secret in a YAML/JSON file's text, also when (parts of) it do not parse. `docs`: the text
 * already parsed (the render parses each file once); only documents whose text names a Secret
 * are converted.
 */
export function addSecretsFromText(text: string, scrubber: Scrubber, maxAliasCount: number, docs?: readonly Document[]): void {
  if (!mentionsSecret.test(text)) return;
  let unreadable = false;
  try {
    for (const doc of docs ?? parseAllDocuments(text, { ...yamlOptions, prettyErrors: false })) {
      if (doc.errors.length > 0) unreadable = true;
      const range = doc.contents?.range;
      if (range && doc.errors.length === 0 && !mentionsSecret.test(text.slice(range[0], range[2]))) continue;
      try {
        addSecretObject(doc.toJS({ maxAliasCount }), scrubber);
      } catch {
        unreadable = true;
      }
    }
  } catch {
    unreadable = true;
  }
  if (unreadable) scanLines(text, scrubber);
}

const unquote = (value: string): string => value.replace(/^(["'])(.*)\1$/s, '$2');

/** `secretGenerator` literals ("KEY=VALUE") of a kustomization. */
export function addGeneratorLiterals(kustomization: unknown, scrubber: Scrubber): void {
  if (!isRecord(kustomization) || !Array.isArray(kustomization.secretGenerator)) return;
  for (const generator of kustomization.secretGenerator) {
    if (!isRecord(generator) || !Array.isArray(generator.literals)) continue;
    for (const literal of generator.literals) {
      if (typeof literal !== 'string') continue;
      const value = literal.includes('=') ? literal.slice(literal.indexOf('=') + 1) : literal;
      scrubber.add(value);
      scrubber.add(unquote(value));
    }
  }
}

/** An env file a `secretGenerator` reads ("KEY=VALUE" lines). */
export function addEnvFile(text: string, scrubber: Scrubber): void {
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || !trimmed.includes('=')) continue;
    const value = trimmed.slice(trimmed.indexOf('=') + 1);
    scrubber.add(value);
    scrubber.add(unquote(value));
  }
}

/** A file a `secretGenerator` reads whole (a key, a certificate): its text and its base64. */
export function addGeneratorFile(bytes: Uint8Array, scrubber: Scrubber): void {
  scrubber.addBytes(bytes);
}
