import type { Document, LineCounter, Node } from 'yaml';
import { DriftlessError, where } from '../core/errors.ts';
import { isRecord } from '../core/objects.ts';
import type { Scrubber } from '../core/scrub.ts';
import type { SourceTree } from '../ports/source.ts';
import { decodeManifestFile, oversize, parseYamlStream, type ParseLimits } from './parse.ts';
import { joinRepoPath } from './paths.ts';
import { submoduleRefused } from './plain.ts';
import { remoteRefusal, type RemotePolicy } from './remote-policy.ts';
import { addGeneratorLiterals, addSecretsFromText } from './secret-values.ts';
import type { TreeIndex } from './tree-index.ts';

/** A folder or file as kustomize will see it (`shown`) and where the tree stores it (`real`, after symlinks). */
export interface Placed {
  shown: string;
  real: string;
}

export interface KustomizeScan {
  /** Every kustomization folder reached through resources, bases, components, generators, transformers. */
  folders: Placed[];
  /** Every file an entry names (resources, patches, generator files, crds, openapi, …), with the field naming it. */
  files: Array<Placed & { field: string }>;
}

/** Entries that may name another kustomization folder (or a file). */
const folderFields = ['resources', 'bases', 'components', 'generators', 'transformers', 'validators'];
/** Entries that name files. */
const fileFields = ['crds', 'configurations', 'patchesStrategicMerge'];
const pathListFields = ['patches', 'patchesJson6902', 'patchesJSON6902', 'replacements'];
const generatorFields = ['configMapGenerator', 'secretGenerator'];

const hostLike = /^[\w-]+(\.[\w-]+)+$/;

/** True for what kustomize would fetch over the network (URLs, git::, scp-like, host/org/repo). */
export function isRemoteReference(entry: string, existsLocally: boolean): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('git::') || /^[\w.-]+@[\w.-]+:/.test(entry)) return true;
  if (/^(github\.com|gitlab\.com|bitbucket\.org)[/:]/i.test(entry)) return true;
  const first = entry.split('/')[0] ?? '';
  return !existsLocally && entry.includes('/') && hostLike.test(first);
}

interface Ref {
  field: string;
  entry: string;
  line?: number;
  mayBeFolder: boolean;
}

function refsOf(k: Record<string, unknown>, doc: Document, counter: LineCounter): Ref[] {
  const refs: Ref[] = [];
  const lineOf = (path: Array<string | number>): number | undefined => {
    const node = doc.getIn(path, true) as Node | undefined;
    return node?.range ? counter.linePos(node.range[0]).line : undefined;
  };
  const add = (field: string, entry: unknown, path: Array<string | number>, mayBeFolder: boolean): void => {
    if (typeof entry !== 'string' || entry === '' || entry.includes('\n')) return;
    refs.push({ field, entry, line: lineOf(path), mayBeFolder });
  };
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  for (const field of folderFields) list(k[field]).forEach((entry, i) => add(field, entry, [field, i], true));
  for (const field of fileFields) list(k[field]).forEach((entry, i) => add(field, entry, [field, i], false));
  for (const field of pathListFields) {
    list(k[field]).forEach((item, i) => isRecord(item) && add(`${field}.path`, item.path, [field, i, 'path'], false));
  }
  if (isRecord(k.openapi)) add('openapi.path', k.openapi.path, ['openapi', 'path'], false);
  for (const field of generatorFields) {
    list(k[field]).forEach((gen, i) => {
      if (!isRecord(gen)) return;
      list(gen.files).forEach((file, j) => {
        // "key=path" names the key the file lands under.
        const entry = typeof file === 'string' && file.includes('=') ? file.slice(file.indexOf('=') + 1) : file;
        add(`${field}.files`, entry, [field, i, 'files', j], false);
      });
      list(gen.envs).forEach((env, j) => add(`${field}.envs`, env, [field, i, 'envs', j], false));
      add(`${field}.env`, gen.env, [field, i, 'env'], false);
    });
  }
  return refs;
}

export interface ScanOptions {
  allowRemote: RemotePolicy;
  limits: ParseLimits;
  /** Learns the secretGenerator literals and inline Secret patches of every kustomization read. */
  scrubber?: Scrubber;
}

/** Secret values written into the kustomization itself: generator literals, inline patches. */
function collectSecrets(k: Record<string, unknown>, scrubber: Scrubber, limits: ParseLimits): void {
  addGeneratorLiterals(k, scrubber);
  const inline: unknown[] = [...(Array.isArray(k.patches) ? k.patches.map((p) => (isRecord(p) ? p.patch : undefined)) : []), ...(Array.isArray(k.patchesStrategicMerge) ? k.patchesStrategicMerge : [])];
  for (const patch of inline) if (typeof patch === 'string' && patch.includes('\n')) addSecretsFromText(patch, scrubber, limits.maxAliasCount);
}

/**
 * Reads the kustomization at `root` and every one it reaches, before kustomize runs, to refuse
 * what must not be rendered (remote bases, `..` escapes, symlinks out, submodules) with an error
 * naming the kustomization file and the entry, and to learn which files the build needs.
 */
interface Loaded {
  folder: Placed;
  file: string;
  text: string;
}

/** Reads the kustomization files of one level together (one git process for all of them). */
async function loadLevel(tree: SourceTree, index: TreeIndex, level: Placed[], limits: ParseLimits): Promise<Loaded[]> {
  const found: Array<{ folder: Placed; file: string; real: string }> = [];
  for (const folder of level) {
    const kfile = index.kustomizationIn(folder.real);
    if (!kfile) continue;
    const file = `${folder.shown === '' ? '' : `${folder.shown}/`}${kfile.slice(kfile.lastIndexOf('/') + 1)}`;
    const resolved = index.resolve(kfile, { file, entry: kfile });
    if (resolved.type !== 'file') continue;
    const size = index.files.get(resolved.path)?.size;
    if (size !== undefined && size > limits.maxFileBytes) throw oversize(file, size, limits);
    found.push({ folder, file, real: resolved.path });
  }
  const bytes = await Promise.all(found.map((item) => tree.read(item.real)));
  return found.map((item, i) => ({ folder: item.folder, file: item.file, text: decodeManifestFile(bytes[i] ?? new Uint8Array(), item.file, limits) }));
}

/**
 * Reads the kustomization at `root` and every one it reaches, before kustomize runs, to refuse
 * what must not be rendered (remote bases, `..` escapes, symlinks out, submodules) with an error
 * naming the kustomization file and the entry, and to learn which files the build needs.
 */
export async function scanKustomizations(tree: SourceTree, index: TreeIndex, root: Placed, options: ScanOptions): Promise<KustomizeScan> {
  const folders: Placed[] = [];
  const files: Array<Placed & { field: string }> = [];
  const seen = new Set<string>();
  let queue: Placed[] = [root];
  while (queue.length > 0) {
    const level = queue.filter((folder) => !seen.has(folder.shown) && (seen.add(folder.shown), true));
    queue = [];
    folders.push(...level);
    for (const { folder, file: shownFile, text } of await loadLevel(tree, index, level, options.limits)) {
      const docs = parseYamlStream(text, { ...options.limits, file: shownFile, toolOutput: false });
      const first = docs[0];
      if (!first) continue;
      if (!isRecord(first.value)) {
        throw new DriftlessError('MANIFEST_INVALID', `${where(shownFile, first.line)}: a kustomization must be a mapping.`, { file: shownFile, line: first.line });
      }
      if (options.scrubber) collectSecrets(first.value, options.scrubber, options.limits);
      for (const ref of refsOf(first.value, first.doc, first.counter)) {
        const at = where(shownFile, ref.line);
        const details = { file: shownFile, line: ref.line, field: ref.field, entry: ref.entry };
        const shownPath = joinRepoPath(folder.shown, ref.entry);
        const resolved = shownPath === undefined ? undefined : index.resolve(shownPath, { file: at, entry: ref.entry });
        const existsLocally = resolved !== undefined && resolved.type !== 'missing';
        if (isRemoteReference(ref.entry, existsLocally)) {
          const refusal = remoteRefusal(ref.entry, options.allowRemote);
          if (refusal === undefined) continue;
          throw new DriftlessError('REMOTE_REFUSED', `${at}: ${ref.field} entry "${ref.entry}" is remote, and refused: ${refusal}.`, details);
        }
        if (shownPath === undefined || resolved === undefined) {
          throw new DriftlessError('PATH_ESCAPE', `${at}: ${ref.field} entry "${ref.entry}" leaves the repository root. Keep every path inside the repository.`, details);
        }
        if (resolved.type === 'submodule') throw submoduleRefused(resolved.path, at);
        if (resolved.type === 'file') files.push({ shown: shownPath, real: resolved.path, field: ref.field });
        if (resolved.type === 'dir' && ref.mayBeFolder) queue.push({ shown: shownPath, real: resolved.path });
      }
    }
  }
  return { folders, files };
}
