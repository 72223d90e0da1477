import { DriftlessError } from '../core/errors.ts';
import type { Manifest } from '../core/types.ts';
import type { RenderResult } from '../ports/renderer.ts';
import type { SourceTree } from '../ports/source.ts';
import { decodeManifestFile, oversize, parseManifests, parseYaml, type ParseLimits, type ParsedYaml } from './parse.ts';
import { baseName, isUnder, minimizePrefixes } from './paths.ts';
import { addSecretsFromText } from './secret-values.ts';
import type { TreeIndex } from './tree-index.ts';
import type { Scrubber } from '../core/scrub.ts';

const manifestExtension = /\.(ya?ml|json)$/i;

interface FoundFile {
  /** Path as the user sees it (through symlinks): named in origins and errors. */
  shown: string;
  /** Path of the stored file. */
  real: string;
}

function relativeTo(path: string, dir: string): string {
  return dir === '' ? path : path.slice(dir.length + 1);
}

export function submoduleRefused(submodule: string, usedBy: string): DriftlessError {
  return new DriftlessError(
    'SOURCE_INVALID',
    `${usedBy} uses ${submodule}, which is a Git submodule; driftless reads only the repository's own files. Copy the manifests into the repository or render a folder without the submodule.`,
    { file: usedBy, submodule },
  );
}

/** Every manifest file beneath `dir` (recursively, hidden folders skipped), following symlinks that stay inside the repository. */
function collect(index: TreeIndex, dir: string, shownDir: string, found: FoundFile[], visited: Set<string>): void {
  if (visited.has(dir)) return;
  visited.add(dir);
  for (const entry of index.entriesUnder(dir)) {
    const relative = relativeTo(entry.path, dir);
    if (relative.split('/').some((segment) => segment.startsWith('.'))) continue;
    const shown = shownDir === '' ? relative : `${shownDir}/${relative}`;
    if (entry.type === 'file') {
      if (manifestExtension.test(entry.path)) found.push({ shown, real: entry.path });
      continue;
    }
    if (entry.type === 'submodule') throw submoduleRefused(entry.path, shownDir || '.');
    // A link named like a manifest, or with no extension (maybe a folder), is part of the render.
    const name = baseName(entry.path);
    if (!manifestExtension.test(name) && name.includes('.')) continue;
    const resolved = index.resolve(entry.path, { file: entry.path, entry: entry.target ?? '' });
    if (resolved.type === 'submodule') throw submoduleRefused(resolved.path, entry.path);
    if (resolved.type === 'file' && (manifestExtension.test(name) || manifestExtension.test(resolved.path))) found.push({ shown, real: resolved.path });
    if (resolved.type === 'dir') collect(index, resolved.path, shown, found, visited);
  }
}

/** Plain YAML/JSON folder (or single file): multi-document, in file-path order. */
export async function renderPlain(tree: SourceTree, index: TreeIndex, path: string, limits: ParseLimits, scrubber: Scrubber): Promise<RenderResult> {
  const resolved = index.resolve(path, { file: path || '.', entry: path || '.' });
  if (resolved.type === 'submodule') throw submoduleRefused(resolved.path, path || '.');
  if (resolved.type === 'missing') {
    throw new DriftlessError('SOURCE_INVALID', `There is no folder or file "${path}" at ${tree.revision.ref}${tree.revision.sha ? ` (${tree.revision.sha.slice(0, 12)})` : ''}; check the app's path.`, { file: path });
  }
  const found: FoundFile[] = [];
  const visited = new Set<string>();
  if (resolved.type === 'file') found.push({ shown: path, real: resolved.path });
  else collect(index, resolved.path, path, found, visited);
  found.sort((a, b) => (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0));

  for (const file of found) {
    // Refused before reading when the source knows the size: a huge blob never reaches memory.
    const size = index.files.get(file.real)?.size;
    if (size !== undefined && size > limits.maxFileBytes) throw oversize(file.shown, size, limits);
  }
  const contents = await Promise.all(found.map((file) => tree.read(file.real)));
  const texts = found.map((file, i) => decodeManifestFile(contents[i] ?? new Uint8Array(), file.shown, limits));
  // Each file is parsed once, for its Secrets and its manifests. Every file's Secrets are learned
  // before any error is thrown: the file that fails to parse may be the Secret itself.
  const manifests: Manifest[] = [];
  let failure: { err: unknown } | undefined;
  found.forEach((file, i) => {
    const text = texts[i] ?? '';
    let parsed: ParsedYaml | undefined;
    try {
      parsed = parseYaml(text);
    } catch {
      // Left to parseManifests to report (and to addSecretsFromText's line scan).
    }
    addSecretsFromText(text, scrubber, limits.maxAliasCount, parsed?.docs);
    if (failure) return;
    try {
      manifests.push(...parseManifests(text, { ...limits, file: file.shown, toolOutput: false }, undefined, parsed));
    } catch (err) {
      failure = { err };
    }
  });
  if (failure) throw failure.err;
  // Folders reached through symlinks count whole: a file added there changes the render.
  const folders = new Set<string>([path, ...visited]);
  const outside = found.map((file) => file.real).filter((real) => !isUnder(real, path));
  return { manifests, dependencies: minimizePrefixes([...folders, ...outside], folders), renderer: 'yaml' };
}
