import type { Scrubber } from '../core/scrub.ts';
import type { Manifest } from '../core/types.ts';
import type { SourceTree } from './source.ts';

export interface RenderRequest {
  tree: SourceTree;
  /** Folder inside the tree to render (POSIX, relative to the repository root). */
  path: string;
  /**
   * Kustomize remote bases and resources: false (default) none, true any https URL, or a list of
   * URL prefixes (render/remote-policy.ts). Local and file:// addresses are refused always.
   */
  allowRemote?: boolean | readonly string[];
}

export interface RenderResult {
  /** Objects exactly as rendered: nothing added (no default namespace, no labels). */
  manifests: Manifest[];
  /**
   * Repository paths (files or folders) this render read. A push touching any of them
   * touches the app; an overlay depends on its bases.
   */
  dependencies: string[];
  renderer: 'yaml' | 'kustomize' | 'helm';
  /** The rendering exactly as the tool printed it (kustomize, helm), for `driftless render`. */
  text?: string;
  /**
   * Masks the values of every Secret the render read (also generator inputs) in text from tools
   * and servers. A renderer that fails throws its error already scrubbed, with the scrubber
   * attached (core/scrub.ts scrubberOf).
   */
  scrubber?: Scrubber;
}

export interface Renderer {
  render(request: RenderRequest): Promise<RenderResult>;
}
