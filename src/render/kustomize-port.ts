/**
 * How the renderer runs kustomize, without knowing about processes or temp folders:
 * the adapter (src/adapters/kustomize) lays the files out and runs `kubectl kustomize`.
 */
export interface KustomizeBuild {
  /** Repository files kustomize may read (repository-relative POSIX path → contents). Regular files only. */
  files: Map<string, Uint8Array>;
  /** Kustomization folder to build, repository-relative ("" for the root). */
  root: string;
  /** Let kustomize fetch remote bases; otherwise it must run without network access. */
  allowRemote?: boolean;
  /** Stop kustomize as soon as it prints more than this many bytes. */
  maxOutputBytes?: number;
}

export interface KustomizeRunner {
  /**
   * Returns kustomize's output exactly as printed. Fails with DriftlessError RENDER_FAILED
   * carrying kustomize's own message, temp paths rewritten to repository paths.
   */
  build(build: KustomizeBuild): Promise<string>;
}
