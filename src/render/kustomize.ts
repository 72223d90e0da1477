import { DriftlessError } from '../core/errors.ts';
import type { RenderResult } from '../ports/renderer.ts';
import type { SourceTree } from '../ports/source.ts';
import { assertNoDuplicates } from './duplicates.ts';
import { mapOrigins } from './kustomize-origins.ts';
import type { KustomizeRunner } from './kustomize-port.ts';
import { scanKustomizations, type KustomizeScan, type Placed } from './kustomize-scan.ts';
import { assertNoAliasBomb, oversize, parseManifests, type ParseLimits } from './parse.ts';
import { isUnder, minimizePrefixes } from './paths.ts';
import { addEnvFile, addGeneratorFile, addSecretsFromText } from './secret-values.ts';
import type { TreeIndex } from './tree-index.ts';
import type { Scrubber } from '../core/scrub.ts';
import { allowsAnyRemote, type RemotePolicy } from './remote-policy.ts';

const decoder = new TextDecoder();

export interface KustomizeLimits extends ParseLimits {
  /** Largest kustomize output accepted, in bytes. */
  maxOutputBytes: number;
}

/**
 * The files kustomize may read: every file beneath each kustomization folder reached (it may
 * read any of them) plus every file an entry names elsewhere. Symlinks that stay inside the
 * repository become copies; ones that leave it, and submodules, are left out (the scan already
 * refused those the kustomizations name).
 */
function layout(index: TreeIndex, scan: KustomizeScan): { placed: Placed[]; named: Set<string> } {
  const placed = new Map<string, string>();
  const expand = (shownDir: string, realDir: string, depth: number): void => {
    if (depth > 8) return;
    for (const entry of index.entriesUnder(realDir)) {
      const relative = realDir === '' ? entry.path : entry.path.slice(realDir.length + 1);
      const shown = shownDir === '' ? relative : `${shownDir}/${relative}`;
      if (entry.type === 'file') placed.set(shown, entry.path);
      if (entry.type !== 'symlink') continue;
      try {
        const resolved = index.resolve(entry.path, { file: entry.path, entry: entry.target ?? '' });
        if (resolved.type === 'file') placed.set(shown, resolved.path);
        else if (resolved.type === 'dir' && !isUnder(realDir, resolved.path)) expand(shown, resolved.path, depth + 1);
      } catch (err) {
        if (!(err instanceof DriftlessError && err.code === 'PATH_ESCAPE')) throw err;
      }
    }
  };
  for (const folder of scan.folders) expand(folder.shown, folder.real, 0);
  for (const file of scan.files) placed.set(file.shown, file.real);
  return { placed: [...placed].map(([shown, real]) => ({ shown, real })), named: new Set(scan.files.map((file) => file.shown)) };
}

export async function renderKustomize(
  tree: SourceTree,
  index: TreeIndex,
  root: Placed,
  kustomizationFile: string,
  runner: KustomizeRunner,
  options: { allowRemote: RemotePolicy; limits: KustomizeLimits; scrubber: Scrubber },
): Promise<RenderResult> {
  const scan = await scanKustomizations(tree, index, root, options);
  const { placed: all, named } = layout(index, scan);
  // A large file nobody names (an image, an archive) does not stop the render; a named one does.
  const tooBig = (file: Placed, bytes: number): boolean => {
    if (bytes <= options.limits.maxFileBytes) return false;
    if (!named.has(file.shown) && !/\.(ya?ml|json)$/i.test(file.shown)) return true;
    throw oversize(file.shown, bytes, options.limits);
  };
  const placed = all.filter((file) => !tooBig(file, index.files.get(file.real)?.size ?? 0));
  const contents = await Promise.all(placed.map((file) => tree.read(file.real)));
  const files = new Map<string, Uint8Array>();
  placed.forEach((file, i) => {
    const bytes = contents[i] ?? new Uint8Array();
    if (tooBig(file, bytes.byteLength)) return;
    // Kustomization files were read by the scan; these are the manifests and patches.
    if (/\.(ya?ml|json)$/i.test(file.shown)) {
      const text = decoder.decode(bytes);
      assertNoAliasBomb(text, file.shown, options.limits);
      addSecretsFromText(text, options.scrubber, options.limits.maxAliasCount);
    }
    files.set(file.shown, bytes);
  });
  // Before kustomize runs: its error may quote a generator input even when it prints nothing else.
  for (const file of scan.files) {
    const bytes = files.get(file.shown);
    if (!bytes || !file.field.startsWith('secretGenerator.')) continue;
    if (file.field === 'secretGenerator.files') addGeneratorFile(bytes, options.scrubber);
    else addEnvFile(decoder.decode(bytes), options.scrubber);
  }

  const text = await runner.build({ files, root: root.shown, allowRemote: allowsAnyRemote(options.allowRemote), maxOutputBytes: options.limits.maxOutputBytes });
  if (Buffer.byteLength(text) > options.limits.maxOutputBytes) {
    throw new DriftlessError('MANIFEST_INVALID', `${kustomizationFile}: kustomize printed more than ${options.limits.maxOutputBytes} bytes; split the app.`, { file: kustomizationFile });
  }
  const manifests = parseManifests(text, { ...options.limits, maxFileBytes: options.limits.maxOutputBytes, file: kustomizationFile, toolOutput: true }, { file: kustomizationFile });
  const resourceFiles = new Map<string, string>();
  for (const file of scan.files) {
    const bytes = files.get(file.shown);
    if (file.field === 'resources' && bytes && /\.(ya?ml|json)$/i.test(file.shown)) resourceFiles.set(file.shown, decoder.decode(bytes));
  }
  mapOrigins(manifests, resourceFiles, options.limits);
  assertNoDuplicates(manifests);

  const folderSet = new Set<string>();
  for (const folder of scan.folders) {
    folderSet.add(folder.shown);
    folderSet.add(folder.real);
  }
  const named2 = scan.files.flatMap((file) => [file.shown, file.real]);
  return { manifests, dependencies: minimizePrefixes([...folderSet, ...named2], folderSet), renderer: 'kustomize', text };
}
