import { groupOf, isRecord } from '../core/objects.ts';
import type { Manifest, Origin } from '../core/types.ts';
import { parseYamlStream, type ParseLimits } from './parse.ts';

interface Declared {
  group: string;
  kind: string;
  name: string;
  origin: Origin;
}

function declared(files: Map<string, string>, limits: ParseLimits): Declared[] {
  const out: Declared[] = [];
  for (const [file, text] of files) {
    let docs: ReturnType<typeof parseYamlStream>;
    try {
      docs = parseYamlStream(text, { ...limits, file, toolOutput: false });
    } catch {
      continue; // kustomize read it without complaint; origins are best effort
    }
    for (const { value, line } of docs) {
      if (!isRecord(value) || typeof value.kind !== 'string' || !isRecord(value.metadata) || typeof value.metadata.name !== 'string') continue;
      out.push({ group: typeof value.apiVersion === 'string' ? groupOf(value.apiVersion) : '', kind: value.kind, name: value.metadata.name, origin: line === undefined ? { file } : { file, line } });
    }
  }
  return out;
}

/**
 * Best effort: names the resource file (and line) that declared each object kustomize printed,
 * instead of the kustomization root, so that API errors point at the file to fix. An object
 * matches a declaration of the same group and kind whose name it equals or contains (name
 * prefixes and suffixes); when two files match equally well, the kustomization root stays.
 * The objects themselves are never touched.
 */
export function mapOrigins(manifests: Manifest[], resourceFiles: Map<string, string>, limits: ParseLimits): void {
  const candidates = declared(resourceFiles, limits);
  if (candidates.length === 0) return;
  for (const manifest of manifests) {
    const { kind, metadata } = manifest.object;
    const name = metadata.name ?? '';
    // Custom documents may lack apiVersion (kustomize renders them as they are).
    const group = typeof manifest.object.apiVersion === 'string' ? groupOf(manifest.object.apiVersion) : '';
    let best: Declared[] = [];
    let bestScore = 0;
    for (const c of candidates) {
      if (c.kind !== kind || c.group !== group || !name.includes(c.name)) continue;
      const score = c.name === name ? Number.MAX_SAFE_INTEGER : c.name.length;
      if (score > bestScore) {
        best = [c];
        bestScore = score;
      } else if (score === bestScore) best.push(c);
    }
    const files = new Set(best.map((c) => c.origin.file));
    if (best.length === 1 && best[0]) manifest.origin = best[0].origin;
    else if (files.size === 1 && best[0]) manifest.origin = { file: best[0].origin.file };
  }
}
