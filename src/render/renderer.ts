import { DriftlessError } from '../core/errors.ts';
import { attachScrubber, Scrubber } from '../core/scrub.ts';
import type { Renderer, RenderRequest, RenderResult } from '../ports/renderer.ts';
import { assertNoDuplicates } from './duplicates.ts';
import { renderKustomize, type KustomizeLimits } from './kustomize.ts';
import type { KustomizeRunner } from './kustomize-port.ts';
import { defaultParseLimits } from './parse.ts';
import { normalizeRepoPath } from '../core/paths.ts';
import { baseName, parentOf } from './paths.ts';
import { renderPlain } from './plain.ts';
import { addSecretObject } from './secret-values.ts';
import { kustomizationNames, TreeIndex } from './tree-index.ts';

export interface RendererOptions {
  kustomize: KustomizeRunner;
  /** Largest manifest or kustomization file, in bytes (default 8 MiB). */
  maxFileBytes?: number;
  /** Largest kustomize output, in bytes (default 64 MiB). */
  maxOutputBytes?: number;
  /** YAML aliases expanded per document (default 100): alias bombs fail cleanly. */
  maxAliasCount?: number;
}

/** Plain YAML for folders without a kustomization file, `kubectl kustomize` for folders with one. */
export function createRenderer(options: RendererOptions): Renderer {
  const limits: KustomizeLimits = {
    maxFileBytes: options.maxFileBytes ?? defaultParseLimits.maxFileBytes,
    maxAliasCount: options.maxAliasCount ?? defaultParseLimits.maxAliasCount,
    maxOutputBytes: options.maxOutputBytes ?? 64 * 1024 * 1024,
  };
  const render = async (request: RenderRequest, scrubber: Scrubber): Promise<RenderResult> => {
    let path = normalizeRepoPath(request.path.replace(/^\.\//, ''));
    if (path === undefined) {
      throw new DriftlessError('PATH_ESCAPE', `The path "${request.path}" leaves the repository root; give a folder inside the repository.`, { file: request.path });
    }
    const index = new TreeIndex(await request.tree.entries());
    let folder = index.resolve(path, { file: path || '.', entry: request.path });
    // Pointing at the kustomization file itself means its folder.
    if (folder.type === 'file' && kustomizationNames.has(baseName(path))) {
      path = parentOf(path);
      folder = index.resolve(path, { file: path || '.', entry: request.path });
    }
    const kustomization = folder.type === 'dir' ? index.kustomizationIn(folder.path) : undefined;
    if (kustomization) {
      const shownFile = `${path === '' ? '' : `${path}/`}${kustomization.slice(kustomization.lastIndexOf('/') + 1)}`;
      return renderKustomize(request.tree, index, { shown: path, real: folder.path }, shownFile, options.kustomize, { allowRemote: request.allowRemote ?? false, limits, scrubber });
    }
    const result = await renderPlain(request.tree, index, path, limits, scrubber);
    assertNoDuplicates(result.manifests);
    return result;
  };
  return {
    /**
     * Errors come out scrubbed of every Secret value the render read (the scrubber rides along
     * with them, see scrubberOf); results carry the scrubber for the steps after.
     */
    async render(request: RenderRequest): Promise<RenderResult> {
      const scrubber = new Scrubber();
      try {
        const result = await render(request, scrubber);
        for (const manifest of result.manifests) addSecretObject(manifest.object, scrubber);
        return { ...result, scrubber };
      } catch (err) {
        const clean = scrubber.scrubError(err);
        attachScrubber(clean, scrubber);
        throw clean;
      }
    },
  };
}
